import "server-only";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

// Small helpers for the child processes the portal owns (embedded Postgres, embedded runtime).

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** True when the pid runs and is not a zombie (`kill -0` reports zombies as alive). */
export function isProcessAlive(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Stops a process left behind by an earlier portal (after kill -9), if its command line matches. */
export async function stopLeftoverProcess(pid: number | null, commandIncludes: string): Promise<void> {
  if (!pid || pid === process.pid || !isProcessAlive(pid) || !commandLine(pid).includes(commandIncludes)) return;
  process.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 10_000 && isProcessAlive(pid); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
}

export function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The sandbox-agent runtime binary that @sandbox-agent/cli installs for this platform. */
export function runtimeBinary(): string {
  return path.join(process.cwd(), "node_modules", "@sandbox-agent", `cli-${process.platform}-${process.arch}`, "bin", "sandbox-agent");
}

/** Every process below `rootPid` (not itself), parents before children, read from /proc. */
export function descendants(rootPid: number): Array<{ pid: number; ppid: number }> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found: Array<{ pid: number; ppid: number }> = [];
  for (let queue = [rootPid]; queue.length > 0;) {
    const parent = queue.shift()!;
    for (const pid of children.get(parent) ?? []) {
      found.push({ pid, ppid: parent });
      queue.push(pid);
    }
  }
  return found;
}

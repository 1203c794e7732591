import "server-only";
import { readFileSync } from "node:fs";
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

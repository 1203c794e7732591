import "server-only";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { commandLine, isProcessAlive, stopLeftoverProcess } from "@/lib/process-utils";
import { readPid } from "@/lib/runtime/host-launcher";
import { AGENT_CREDENTIALS } from "@/lib/sandboxes/environment";

// A bwrap sandbox's network (PORTAL_SANDBOX_NETWORK). `none`: the jail's network namespace is
// empty, so nothing in it reaches anything. `outbound`: pasta (Debian's `passt`) gives that namespace
// internet egress through sockets it opens on the host — with the host's loopback and every port
// bound on it out of reach: no port forwarding in either direction (-t/-u/-T/-U none) and the
// gateway address not mapped to the host (--no-map-gw). The namespace takes the host's address as
// its own, so the host's other addresses answer from inside the jail, not from the host.

export type SandboxNetwork = "none" | "outbound";

export function pastaAvailable(): boolean {
  return spawnSync("pasta", ["--version"], { stdio: "ignore" }).error === undefined;
}

/**
 * The network sandboxes get: as configured, or by default outbound when an agent credential is
 * set (a real agent has to reach its API) and none otherwise. Throws one line when it cannot be had.
 */
export function chooseSandboxNetwork(configured: SandboxNetwork | undefined, environment: Record<string, string | undefined> = process.env): { network: SandboxNetwork; note?: string } {
  const available = pastaAvailable();
  if (configured === "outbound" && !available) throw new Error("PORTAL_SANDBOX_NETWORK=outbound needs pasta: install it with `apt-get install passt`");
  if (configured) return { network: configured };
  const credential = AGENT_CREDENTIALS.some((name) => environment[name]);
  if (!credential) return { network: "none" };
  if (!available) return { network: "none", note: "an agent credential is set but pasta is missing, so sandboxes have no network and agents cannot reach their APIs: `apt-get install passt`" };
  return { network: "outbound" };
}

/** bwrap's options that hold the jail until its network is in place (fds 3 and 4 of its spawn). */
export const HOLD_JAIL_ARGS = ["--info-fd", "3", "--block-fd", "4"];
export const HOLD_JAIL_STDIO = ["pipe", "pipe"] as const;

/** Files an agent with internet access needs to resolve names and check certificates. */
export const OUTBOUND_ETC = ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl/certs", "/etc/ca-certificates"];

/**
 * Connects a held jail (spawned with HOLD_JAIL_ARGS) to the internet with pasta, run as the jail's
 * uid (pasta refuses to run as root, and that uid owns the jail's user namespace), then lets the
 * jail go on. pasta outlives its namespace, so its pid is kept to stop it with the runtime.
 */
export async function connectOutbound({ jail, uid, pidFile }: { jail: ChildProcess; uid: number | null; pidFile: string }): Promise<void> {
  await stopPasta(pidFile);
  const [info, hold] = [jail.stdio[3] as Readable, jail.stdio[4] as Writable];
  // bwrap closes both when it exits; that is the runtime's exit to handle, not an error here.
  info.on("error", () => undefined);
  hold.on("error", () => undefined);
  const jailPid = await readJailPid(info);
  const pasta = ["pasta", "--config-net", "--no-map-gw", "-t", "none", "-u", "none", "-T", "none", "-U", "none", "--quiet", "--pid", pidFile, String(jailPid)];
  const [command, ...args] = uid === null ? pasta : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--", ...pasta];
  // pasta forks into the background once the namespace is configured: its exit is the ready signal.
  const { code, stderr } = await run(command!, args, 10_000);
  if (code !== 0) throw new Error(`pasta could not connect the sandbox (${stderr.split("\n").filter((line) => line && !line.includes("syslog")).pop() ?? `exit ${code}`})`);
  hold.end("go");
}

export async function stopPasta(pidFile: string) {
  await stopLeftoverProcess(readPid(pidFile), "pasta");
}

/** Synchronous, for process.on('exit'). */
export function stopPastaSync(pidFile: string) {
  const pid = readPid(pidFile);
  if (!pid) return;
  if (!isProcessAlive(pid) || !commandLine(pid).startsWith("pasta")) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // gone meanwhile
  }
}

function readJailPid(info: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("bwrap did not report its sandbox's pid")), 10_000);
    info.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      try {
        const pid = (JSON.parse(text) as { "child-pid"?: number })["child-pid"];
        if (!pid) return;
        clearTimeout(timer);
        resolve(pid);
      } catch {
        // not complete yet
      }
    });
    info.once("end", () => reject(new Error("bwrap exited before starting its sandbox")));
  });
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], timeout: timeoutMs });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
    child.once("error", (error) => resolve({ code: -1, stderr: error.message }));
    child.once("exit", (code) => resolve({ code, stderr }));
  });
}

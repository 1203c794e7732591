import { spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./harness";

// A real sandbox-agent runtime in a real bubblewrap jail, built by hand as lib/sandboxes/bwrap.ts
// builds it (as root: the jail runs as a sandbox uid; /usr read-only, no /etc, its own /tmp, /proc
// and PID namespace), with what real agents need: the portal's runtime bin dir read-only at
// $XDG_DATA_HOME/sandbox-agent/bin, the agents read-only at /opt/agents, and the gateway file
// read-only at /run/portal-gateway. For this proof the jail shares the host's network so the agent
// reaches the scripted model server on loopback (the portal's `models` network replaces that).

export const AGENTS_IN_JAIL = "/opt/agents";
const HOME = "/home/sandbox";

export interface JailedRuntime {
  baseUrl: string;
  /** The sandbox's home and workspace on the host (kept across restart()). */
  home: string;
  workspace: string;
  uid: number;
  stderr: () => string;
  /** Stops the runtime (SIGTERM to bwrap; --die-with-parent and the PID namespace end the rest). */
  stop: () => Promise<void>;
  /** Stops and starts the runtime again with the same home and workspace (a sandbox restart). */
  restart: () => Promise<void>;
  /** Removes everything of the sandbox. */
  destroy: () => Promise<void>;
}

export interface JailOptions {
  runtimeBinary: string;
  binDir: string;
  agentsDir: string;
  /** The directory holding gateway.env, bound at /run/portal-gateway. */
  gatewayDir: string;
}

export function writeGatewayEnv(dir: string, url: string, token: string) {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  // Root-owned, readable by the sandbox uid (it is the sandbox's own token), writable by nobody else.
  writeFileSync(path.join(dir, "gateway.env"), `PORTAL_GATEWAY_URL=${url}\nPORTAL_GATEWAY_TOKEN=${token}\n`, { mode: 0o644 });
}

export async function startJailedRuntime(options: JailOptions): Promise<JailedRuntime> {
  if (process.getuid?.() !== 0) throw new Error("the real-agent jail test runs as root (the jail drops to a sandbox uid)");
  const root = mkdtempSync(path.join(os.tmpdir(), "portal-real-agent-"));
  chmodSync(root, 0o711);
  const uid = 290_000 + Math.floor(Math.random() * 9_000);
  const home = path.join(root, "home");
  const workspace = path.join(root, "workspace");
  for (const dir of [home, workspace]) {
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, uid, uid);
  }
  const runtimeDir = path.dirname(options.runtimeBinary);
  let stderr = "";
  let child: ReturnType<typeof spawn> | null = null;
  let baseUrl = "";

  const start = async () => {
    const port = await freePort();
    const jail = [
      "--unshare-all",
      "--share-net",
      "--die-with-parent",
      "--new-session",
      "--ro-bind",
      "/usr",
      "/usr",
      "--symlink",
      "usr/bin",
      "/bin",
      "--symlink",
      "usr/lib",
      "/lib",
      "--symlink",
      "usr/lib64",
      "/lib64",
      "--ro-bind",
      runtimeDir,
      "/opt/portal",
      "--ro-bind",
      options.agentsDir,
      AGENTS_IN_JAIL,
      "--bind",
      workspace,
      "/workspace",
      "--bind",
      home,
      HOME,
      "--ro-bind",
      options.binDir,
      `${HOME}/sandbox-agent/bin`,
      "--ro-bind",
      options.gatewayDir,
      "/run/portal-gateway",
      "--proc",
      "/proc",
      "--dev",
      "/dev",
      "--tmpfs",
      "/tmp",
      "--chdir",
      "/workspace",
      `/opt/portal/${path.basename(options.runtimeBinary)}`,
      "server",
      "--no-token",
      "--no-telemetry",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ];
    const env = {
      PATH: "/usr/bin:/bin",
      HOME,
      XDG_DATA_HOME: HOME,
      SANDBOX_AGENT_ACP_REQUEST_TIMEOUT_MS: String(3_600_000),
      LANG: "C.UTF-8",
    } as unknown as NodeJS.ProcessEnv;
    const spawned = spawn("setpriv", [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--", "bwrap", ...jail], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    spawned.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    child = spawned;
    baseUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (spawned.exitCode !== null) throw new Error(`the jailed runtime exited (${spawned.exitCode}): ${stderr}`);
      try {
        if ((await fetch(`${baseUrl}/v1/health`)).ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`the jailed runtime did not become healthy: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    get baseUrl() {
      return baseUrl;
    },
    home,
    workspace,
    uid,
    stderr: () => stderr,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { LaunchedRuntime } from "@/lib/runtime/manager";
import { sandboxDirs } from "@/lib/sandboxes/layout";
import { bwrapLauncher, gatewaySocketOf, handGatewayToJail, type JailSettings } from "@/lib/sandboxes/providers/bwrap";
import { releaseSandboxUid, sandboxUid } from "@/lib/sandboxes/uids";

// A real sandbox-agent runtime in the portal's own bubblewrap jail: lib/sandboxes/providers/bwrap.ts's
// launcher, as root (a uid of its own; /usr read-only, no /etc, its own /tmp, /proc and PID
// namespace; the runtime on a Unix socket; the portal's agent wrappers and the installed agents
// read-only), on the `models` network, so the jail reaches nothing but its gateway socket. Where the
// portal's model gateway (lib/gateway) would listen on that socket, this one forwards to a scripted
// model server on the host's loopback; gateway.env carries `token` as the sandbox's gateway token.

export interface JailedRuntime {
  /** The runtime, reached through its socket: pass both to the SDK or an ACP client. */
  url: string;
  fetch: typeof fetch;
  /** The sandbox's workspace on the host (kept across restart()). */
  workspace: string;
  uid: number;
  /** Stops the runtime (SIGTERM to the jail's process group). */
  stop: () => Promise<void>;
  /** Stops and starts the runtime again with the same home and workspace (a sandbox restart). */
  restart: () => Promise<void>;
  /** Removes everything of the sandbox. */
  destroy: () => Promise<void>;
}

export async function startJailedRuntime({ modelServer, token }: { modelServer: string; token: string }): Promise<JailedRuntime> {
  if (process.getuid?.() !== 0) throw new Error("the real-agent jail test runs as root (the jail drops to a sandbox uid)");
  const sandboxesRoot = mkdtempSync(path.join(os.tmpdir(), "portal-real-agent-"));
  chmodSync(sandboxesRoot, 0o711);
  const sandboxId = randomUUID();
  const dirs = sandboxDirs(sandboxesRoot, sandboxId);
  const uid = sandboxUid(dirs.root);
  const target = new URL(modelServer);
  let forwarder: net.Server | null = null;
  // Open connections are ended with the forwarder: an agent's keep-alive would hold its close.
  const connections = new Set<net.Socket>();
  const jail: JailSettings = {
    network: "models",
    async openGateway(_sandboxId, gatewayDirs, gatewayUid) {
      await closeServer(forwarder, connections);
      const socketPath = gatewaySocketOf(gatewayDirs, gatewayUid);
      rmSync(socketPath, { force: true });
      forwarder = net.createServer((inbound) => {
        const outbound = net.connect(Number(target.port), target.hostname);
        connections.add(inbound).add(outbound);
        inbound.pipe(outbound).pipe(inbound);
        const end = () => {
          inbound.destroy();
          outbound.destroy();
          connections.delete(inbound);
          connections.delete(outbound);
        };
        inbound.on("close", end);
        outbound.on("close", end);
        inbound.on("error", end);
        outbound.on("error", end);
      });
      await new Promise<void>((resolve) => forwarder!.listen(socketPath, resolve));
      handGatewayToJail(gatewayDirs, gatewayUid, token);
      return true;
    },
  };
  const launcher = bwrapLauncher(sandboxId, dirs, uid, jail, null);
  let launched: LaunchedRuntime | null = null;

  const start = async () => {
    const runtime = await launcher.launch();
    launched = runtime;
    let stderr = "";
    runtime.child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (runtime.child.exitCode !== null) throw new Error(`the jailed runtime exited (${runtime.child.exitCode}): ${stderr}`);
      if (
        await runtime.fetch(`${runtime.url}/v1/health`).then(
          (response) => response.ok,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) throw new Error(`the jailed runtime did not become healthy: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    runtime.healthy?.();
  };

  const stop = async () => {
    const running = launched?.child;
    launched = null;
    if (!running?.pid || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    process.kill(-running.pid, "SIGTERM");
    const timer = setTimeout(() => running.pid && process.kill(-running.pid, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    get url() {
      return launched!.url;
    },
    get fetch() {
      return launched!.fetch;
    },
    workspace: dirs.workspace,
    uid,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await stop();
      await closeServer(forwarder, connections);
      rmSync(sandboxesRoot, { recursive: true, force: true });
      releaseSandboxUid(dirs.root);
    },
  };
}

function closeServer(server: net.Server | null, connections: Set<net.Socket>) {
  for (const socket of connections) socket.destroy();
  connections.clear();
  return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}

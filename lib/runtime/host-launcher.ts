import "server-only";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { findFreePort, stopLeftoverProcess } from "@/lib/process-utils";
import { installDemoAgent } from "@/lib/runtime/demo-agent";
import type { RuntimeLauncher } from "@/lib/runtime/manager";
import { runtimeFetch } from "@/lib/runtime/runtime-fetch";
import { runtimeEnvironment } from "@/lib/sandboxes/environment";

// PORTAL_SANDBOX=local: the runtime runs on this host as the portal's own user, unisolated — for a
// developer's own machine. sandbox-agent 0.4.2 takes its token only on the command line, so `ps`
// shows it to local users here; the bwrap provider has no token to show (lib/sandboxes/bwrap.ts).

export function runtimeBinary(): string {
  return path.join(process.cwd(), "node_modules", "@sandbox-agent", `cli-${process.platform}-${process.arch}`, "bin", "sandbox-agent");
}

export function hostLauncher(dataDir: string): RuntimeLauncher {
  return {
    async launch() {
      const runtimeHome = path.join(dataDir, "runtime");
      const pidFile = path.join(dataDir, "runtime.pid");
      mkdirSync(runtimeHome, { recursive: true });
      installDemoAgent(runtimeHome);
      await stopLeftoverProcess(readPid(pidFile), "sandbox-agent");
      const port = await findFreePort();
      const token = randomBytes(24).toString("base64url");
      const child = spawn(runtimeBinary(), ["server", "--token", token, "--no-telemetry", "--host", "127.0.0.1", "--port", String(port)], {
        env: runtimeEnvironment({ home: runtimeHome, path: process.env.PATH ?? undefined }),
        stdio: ["ignore", "ignore", "pipe"],
      });
      return { child, url: `http://127.0.0.1:${port}`, token, fetch: runtimeFetch, pidFile };
    },
  };
}

export function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

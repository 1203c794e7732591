import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runtimeBinary } from "@/lib/process-utils";
import { installDemoAgent } from "@/lib/runtime/demo-agent";
import { freePort } from "../../tests/integration/harness";
import { onCleanup } from "./cleanup";
import { sleep } from "./report";

// A runtime binary of our own for the baselines (the standalone SDK client): the real
// sandbox-agent server with the portal's demo agent in the `mock` slot, as the portal runs it, and
// the real agents installed in PORTAL_AGENTS_DIR in theirs. `env` is added to the runtime's.

export async function spawnRuntime({ env = {} }: { env?: Record<string, string> } = {}) {
  const home = mkdtempSync(path.join(os.tmpdir(), "portal-bench-runtime-"));
  installDemoAgent(home);
  const port = await freePort();
  const token = randomBytes(24).toString("base64url");
  let stderr = "";
  const child = spawn(runtimeBinary(), ["server", "--token", token, "--no-telemetry", "--host", "127.0.0.1", "--port", String(port)], {
    env: { ...process.env, ...env, XDG_DATA_HOME: home, SANDBOX_AGENT_ACP_REQUEST_TIMEOUT_MS: "3600000" },
    stdio: ["ignore", "ignore", "pipe"],
    // A group of its own, ended whole: agent processes (claude-code-acp) outlive the runtime otherwise.
    detached: true,
  });
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child.pid!, "SIGTERM");
      await Promise.race([exited, sleep(3_000)]);
    }
    killGroup(child.pid!, "SIGKILL");
    rmSync(home, { recursive: true, force: true });
  };
  onCleanup(stop);
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 50) {
    if (child.exitCode !== null) throw new Error(`the runtime exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${baseUrl}/v1/health`, { headers: { authorization: `Bearer ${token}` } });
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (waited > 15_000) throw new Error(`the runtime did not become healthy: ${stderr}`);
    await sleep(50);
  }
  return { baseUrl, token, stop };
}

function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

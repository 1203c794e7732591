import "server-only";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findFreePort, readPid, runtimeBinary, stopLeftoverProcess } from "@/lib/process-utils";
import { installDemoAgent } from "@/lib/runtime/demo-agent";
import type { RuntimeLauncher } from "@/lib/runtime/manager";
import { runtimeFetch } from "@/lib/runtime/runtime-fetch";
import { runtimeEnvironment } from "@/lib/sandboxes/environment";
import { sandboxDirs } from "@/lib/sandboxes/layout";
import { openGateway, type GatewayEndpoint } from "@/lib/gateway/gateway";
import type { SandboxProvider, TurnsIn } from "@/lib/sandboxes/providers/provider";

// PORTAL_SANDBOX=local: one runtime on this host serves every sandbox, as the portal's own user,
// unisolated — for a developer's own machine; each sandbox is a directory. sandbox-agent 0.4.2 takes
// its token only on the command line, so `ps` shows it to local users here; the bwrap provider has
// no token to show. SANDBOX_AGENT_URL: the same, with a runtime the operator runs elsewhere.
// Its agents reach their models through a gateway on a loopback port; one runtime serves every team,
// so that gateway cannot tell teams apart and uses the instance's keys only.

export function localProvider({ dataDir, sandboxesRoot, turnsIn }: { dataDir: string; sandboxesRoot: string; turnsIn?: TurnsIn }): SandboxProvider {
  return {
    name: "local",
    shared: true,
    keepsSpare: false,
    workspaceFor(sandboxId) {
      const { workspace } = sandboxDirs(sandboxesRoot, sandboxId);
      mkdirSync(workspace, { recursive: true });
      return workspace;
    },
    hostDirFor: () => null,
    workspaceOnHost: (sandbox) => sandboxDirs(sandboxesRoot, sandbox.id).workspace,
    hostDirs: (sandbox) => sandboxDirs(sandboxesRoot, sandbox.id),
    uidOf: () => null,
    runtimeFor: () => ({ launcher: hostLauncher(dataDir, turnsIn ?? (() => [])) }),
    removeFiles: async (sandbox) => rmSync(sandboxDirs(sandboxesRoot, sandbox.id).root, { recursive: true, force: true }),
    describe: () => "local (agents run unisolated on this host)",
  };
}

export function externalProvider({ url, token, sandboxesRoot }: { url: string; token?: string; sandboxesRoot: string }): SandboxProvider {
  return {
    ...localProvider({ dataDir: "", sandboxesRoot }),
    name: "external",
    runtimeFor: () => ({ externalUrl: url, externalToken: token }),
    describe: () => `external (${url})`,
  };
}

function hostLauncher(dataDir: string, turnsIn: TurnsIn): RuntimeLauncher {
  let gateway: GatewayEndpoint | null = null;
  return {
    async launch() {
      const runtimeHome = path.join(dataDir, "runtime");
      const pidFile = path.join(dataDir, "runtime.pid");
      mkdirSync(runtimeHome, { recursive: true });
      installDemoAgent(runtimeHome);
      await gateway?.close();
      gateway = await openGateway({ caller: { sandboxId: null, teamKeys: false, runningTurns: () => turnsIn(null) } });
      const gatewayEnv = path.join(dataDir, "gateway.env");
      writeFileSync(gatewayEnv, `PORTAL_GATEWAY_URL=${gateway.address}\nPORTAL_GATEWAY_TOKEN=${gateway.token}\n`, { mode: 0o600 });
      await stopLeftoverProcess(readPid(pidFile), "sandbox-agent");
      const port = await findFreePort();
      const token = randomBytes(24).toString("base64url");
      const child = spawn(runtimeBinary(), ["server", "--token", token, "--no-telemetry", "--host", "127.0.0.1", "--port", String(port)], {
        env: { ...runtimeEnvironment({ home: runtimeHome, path: process.env.PATH ?? undefined }), PORTAL_GATEWAY_ENV_FILE: gatewayEnv },
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      });
      return { child, url: `http://127.0.0.1:${port}`, token, fetch: runtimeFetch, pidFile, processGroup: true };
    },
  };
}

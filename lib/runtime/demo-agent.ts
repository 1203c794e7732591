import "server-only";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

// The runtime launches `$XDG_DATA_HOME/sandbox-agent/bin/agent_processes/<agent>-acp` when it exists;
// the portal puts a wrapper for its own demo agent in the `mock` slot.

export function installDemoAgent(xdgDataHome: string, projectRoot = process.cwd()) {
  const agentScript = path.join(projectRoot, "agents", "demo", "dist", "demo-agent.mjs");
  if (!existsSync(agentScript)) {
    throw new Error(`The demo agent is not built (${agentScript} is missing); run npm run build`);
  }
  const dir = path.join(xdgDataHome, "sandbox-agent", "bin", "agent_processes");
  mkdirSync(dir, { recursive: true });
  const wrapper = path.join(dir, "mock-acp");
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${agentScript}" "$@"\n`);
  chmodSync(wrapper, 0o755);
}

import "server-only";
import { existsSync } from "node:fs";
import path from "node:path";
import { agentsDir } from "@/lib/agents/installer";
import { writeRuntimeBin } from "@/lib/agents/runtime-bin";

// A runtime on this host (`local`, tests, benches): its `$XDG_DATA_HOME/sandbox-agent/bin` gets the
// portal's demo agent in the `mock` slot and every installed agent, at their host paths.

export function installDemoAgent(xdgDataHome: string, projectRoot = process.cwd()) {
  const agentScript = path.join(projectRoot, "agents", "demo", "dist", "demo-agent.mjs");
  if (!existsSync(agentScript)) {
    throw new Error(`The demo agent is not built (${agentScript} is missing); run npm run build`);
  }
  const agents = agentsDir();
  writeRuntimeBin({
    binDir: path.join(xdgDataHome, "sandbox-agent", "bin"),
    agentsDirInJail: agents,
    agentsDirOnHost: agents,
    demoAgentCommand: [process.execPath, agentScript],
  });
}

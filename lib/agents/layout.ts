import "server-only";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AgentId } from "@/lib/agents/catalog";

// Where, inside one agent's install directory, the ACP adapter the runtime's `<id>-acp` slot runs
// is. npm installs the platform packages of codex-acp and
// opencode-ai as optional dependencies; their JS launchers are skipped (one process fewer, and
// opencode's needs a postinstall script, which the installer never runs).

const PLATFORM = `${process.platform}-${process.arch}`;

export interface AgentPrograms {
  /** argv of the ACP adapter; `node` stands for the portal's Node binary. */
  acp: string[];
  /** Files that must exist for the install to be usable. */
  required: string[];
}

export const NODE = "node";

export function agentPrograms(id: AgentId, dir: string, hostDir = dir): AgentPrograms {
  const modules = (inside: string) => path.posix.join(dir, "node_modules", inside);
  const onHost = (inside: string) => path.join(hostDir, "node_modules", inside);
  switch (id) {
    case "claude": {
      const adapter = "@zed-industries/claude-code-acp/dist/index.js";
      const cli = "@anthropic-ai/claude-agent-sdk/cli.js";
      return { acp: [NODE, modules(adapter)], required: [onHost(adapter), onHost(cli)] };
    }
    case "codex": {
      const binary = `@zed-industries/codex-acp-${PLATFORM}/bin/codex-acp`;
      return { acp: [modules(binary)], required: [onHost(binary)] };
    }
    case "opencode": {
      const binary = `${opencodePackage(hostDir)}/bin/opencode`;
      return { acp: [modules(binary), "acp"], required: [onHost(binary)] };
    }
  }
}

/** opencode-ai ships an AVX2 build and a baseline one for x64; its own postinstall picks like this. */
function opencodePackage(hostDir: string): string {
  const base = `opencode-${process.platform}-${process.arch}`;
  if (process.arch !== "x64") return base;
  const avx2 = (() => {
    try {
      return /(^|\s)avx2(\s|$)/i.test(readFileSync("/proc/cpuinfo", "utf8"));
    } catch {
      return false;
    }
  })();
  if (avx2 && existsSync(path.join(hostDir, "node_modules", base))) return base;
  return `${base}-baseline`;
}

// The real agents the portal installs from npm: pinned exact versions (what TOOLCHAIN.md verified
// offline), the runtime's id for each, and which model API it speaks through the model gateway.
// No server-only: the Admin page and the CLI read the same list.

export type AgentId = "claude" | "codex" | "opencode";
export type ModelApi = "anthropic" | "openai";

export interface CatalogAgent {
  id: AgentId;
  /** The runtime's compiled-in agent id (sandbox-agent 0.4.2). */
  runtimeId: string;
  name: string;
  /** The package that is the agent, then what it needs beside its own dependencies. */
  packages: ReadonlyArray<{ name: string; version: string }>;
  modelApi: ModelApi;
  /**
   * Its adapter keeps a process per session and ACP cannot close one (claude-code-acp 0.16 has no
   * session/close): a session destroyed in a sandbox that runs on holds ~250 MB until the sandbox's
   * agent processes are released (lib/sandboxes/pool.ts releaseAgents).
   */
  processPerSession?: true;
}

export const AGENT_CATALOG: readonly CatalogAgent[] = [
  {
    id: "claude",
    runtimeId: "claude",
    name: "Claude Code",
    // Bundles Claude Code 2.1.44 as @anthropic-ai/claude-agent-sdk's cli.js.
    packages: [{ name: "@zed-industries/claude-code-acp", version: "0.16.2" }],
    modelApi: "anthropic",
    processPerSession: true,
  },
  {
    id: "codex",
    runtimeId: "codex",
    name: "Codex",
    // One Rust binary (codex 0.137.0) in the platform package npm picks as an optional dependency.
    packages: [{ name: "@zed-industries/codex-acp", version: "0.16.0" }],
    modelApi: "openai",
  },
  {
    id: "opencode",
    runtimeId: "opencode",
    name: "OpenCode",
    packages: [{ name: "opencode-ai", version: "1.18.33" }],
    modelApi: "openai",
  },
];

export const AGENT_IDS = AGENT_CATALOG.map((agent) => agent.id);

export function isAgentId(value: string): value is AgentId {
  return (AGENT_IDS as readonly string[]).includes(value);
}

export function catalogAgent(id: AgentId): CatalogAgent {
  return AGENT_CATALOG.find((agent) => agent.id === id)!;
}

/** The package whose version the portal shows as the agent's. */
export function mainPackage(id: AgentId) {
  return catalogAgent(id).packages[0]!;
}

/** Whether the agent a session names (`sessions.agent`) keeps a process per session that only a release frees. */
export function keepsProcessPerSession(agentId: string): boolean {
  return AGENT_CATALOG.some((agent) => agent.id === agentId && agent.processPerSession);
}

// The portal's agent ids and the runtime's. The runtime's agent list is compiled in; the portal's
// offline `demo` agent runs in the slot of the runtime's `mock` agent (see lib/runtime/demo-agent.ts).

export const DEMO_AGENT = "demo";
const RUNTIME_DEMO_AGENT = "mock";

export function runtimeAgentId(portalAgent: string): string {
  return portalAgent === DEMO_AGENT ? RUNTIME_DEMO_AGENT : portalAgent;
}

export function portalAgentId(runtimeAgent: string): string {
  return runtimeAgent === RUNTIME_DEMO_AGENT ? DEMO_AGENT : runtimeAgent;
}

// How people see the agents; unknown ids are shown as they are.
const AGENT_NAMES: Record<string, string> = {
  demo: "Demo agent",
  claude: "Claude Code",
  codex: "Codex",
  opencode: "OpenCode",
  amp: "Amp",
  pi: "Pi",
  cursor: "Cursor",
};

export function agentDisplayName(id: string) {
  return AGENT_NAMES[id] ?? id;
}

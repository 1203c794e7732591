// How the UI names the runtime's agents; unknown ids are shown as they are.
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

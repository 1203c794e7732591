import "server-only";
import type { AgentJson } from "@/lib/contract/agents";
import { unprocessable } from "@/lib/errors";
import { agentDisplayName, DEMO_AGENT, portalAgentId } from "@/lib/runtime/agents";
import { sandboxPool } from "@/lib/sandboxes/pool";
import { findByCategory, optionValues } from "@/lib/sessions/config-values";
import { runtimeError } from "@/lib/sessions/runtime-errors";

// The agents the runtime reports, in the portal's terms. The offline demo agent is always there.

// What the runtime looks for when it reports credentials (read from the runtime binary, 0.4.2).
const CREDENTIALS: Record<string, string> = {
  claude: "ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN, or a Claude login in ~/.claude.json)",
  codex: "OPENAI_API_KEY (or CODEX_API_KEY, or a Codex login in ~/.codex/auth.json)",
  opencode: "a provider key such as ANTHROPIC_API_KEY or OPENAI_API_KEY",
  amp: "ANTHROPIC_API_KEY",
};

const CACHE_MS = 10_000;
const cache = globalThis as unknown as { portalAgents?: { at: number; generation: number | null; agents: AgentJson[] } };

/**
 * The runtime's `mock` slot runs the portal's demo agent, so the runtime's report for it describes
 * the built-in mock, not the demo. This is what the demo offers at session/new
 * (agents/demo/src/session-config.ts); tests/integration/session-api-settings.test.ts checks the two agree.
 */
export const DEMO_OFFER = {
  models: ["demo-small", "demo-large"],
  modes: ["ask", "code"],
  thoughtLevels: ["low", "medium", "high"],
} as const;

function demoAgent(): AgentJson {
  return {
    id: DEMO_AGENT,
    name: agentDisplayName(DEMO_AGENT),
    installed: true,
    offline: true,
    credentialsAvailable: true,
    models: [...DEMO_OFFER.models],
    modes: [...DEMO_OFFER.modes],
    thoughtLevels: [...DEMO_OFFER.thoughtLevels],
  };
}

export function missingFor(id: string, installed: boolean, credentialsAvailable: boolean): string | undefined {
  const missing: string[] = [];
  if (!installed) missing.push("it is not installed in the runtime (agents install on first use, which needs internet access)");
  if (!credentialsAvailable) {
    missing.push(`no credentials were found for it in the runtime's environment (set ${CREDENTIALS[id] ?? "the agent's API key"})`);
  }
  return missing.length > 0 ? missing.join("; and ") : undefined;
}

export async function listAgents(): Promise<AgentJson[]> {
  const catalog = await sandboxPool().catalog();
  const generation = catalog.currentGeneration();
  const cached = cache.portalAgents;
  if (cached && cached.generation === generation && Date.now() - cached.at < CACHE_MS) return cached.agents;
  const { sdk } = await catalog.sdk();
  let reported;
  try {
    reported = await sdk.listAgents({ config: true });
  } catch (error) {
    throw runtimeError(error);
  }
  const agents = reported.agents
    .filter((info) => portalAgentId(info.id) !== DEMO_AGENT)
    .map((info): AgentJson => {
      const id = portalAgentId(info.id);
      const values = (category: string) => {
        const option = findByCategory(info.configOptions ?? [], category);
        const list = option ? optionValues(option) : null;
        return list && list.length > 0 ? list : undefined;
      };
      const missing = missingFor(id, info.installed, info.credentialsAvailable);
      return {
        id,
        name: agentDisplayName(id),
        installed: info.installed,
        offline: false,
        credentialsAvailable: info.credentialsAvailable,
        models: values("model"),
        modes: values("mode"),
        thoughtLevels: values("thought_level"),
        ...(missing ? { missing } : {}),
      };
    });
  agents.sort((a, b) => a.name.localeCompare(b.name));
  agents.unshift(demoAgent());
  cache.portalAgents = { at: Date.now(), generation, agents };
  return agents;
}

/** The agent a new session asks for, or a 422 that says what is missing. */
export async function requireStartableAgent(agentId: string): Promise<AgentJson> {
  const agents = await listAgents();
  const agent = agents.find((candidate) => candidate.id === agentId);
  if (!agent) {
    throw unprocessable(`Unknown agent "${agentId}".`, [{ path: "agent", message: `must be one of: ${agents.map((a) => a.id).join(", ")}` }]);
  }
  if (agent.missing) {
    throw unprocessable(`The agent "${agent.id}" cannot start here: ${agent.missing}.`, [{ path: "agent", message: agent.missing }]);
  }
  return agent;
}

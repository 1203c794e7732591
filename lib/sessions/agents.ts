import "server-only";
import type { AgentJson } from "@/lib/contract/agents";
import { notFound, unprocessable } from "@/lib/errors";
import { AGENT_CATALOG } from "@/lib/agents/catalog";
import { agentReadiness } from "@/lib/agents/readiness";
import { providersReady } from "@/lib/gateway/credentials";
import { agentDisplayName, DEMO_AGENT, portalAgentId } from "@/lib/runtime/agents";
import { sandboxPool } from "@/lib/sandboxes/pool";
import { findByCategory, optionValues } from "@/lib/sessions/config-values";
import { runtimeError } from "@/lib/sessions/runtime-errors";
import { teamRole } from "@/lib/teams/membership";

// The agents a session can run, in the portal's terms. The offline demo agent is always there.

const CACHE_MS = 10_000;
type Offer = Pick<AgentJson, "models" | "modes" | "thoughtLevels">;
const cache = globalThis as unknown as { portalAgentOffers?: { at: number; generation: number | null; offers: Map<string, Offer> } };

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
    version: null,
    ready: true,
    offline: true,
    credentialsAvailable: true,
    models: [...DEMO_OFFER.models],
    modes: [...DEMO_OFFER.modes],
    thoughtLevels: [...DEMO_OFFER.thoughtLevels],
  };
}

/**
 * The agents a team can pick: the offline demo, and each real agent the portal installs (lib/agents),
 * with whether it is ready for that team (installed on this host, a key for its model API) and, when
 * not, what is missing in words. What each offers (models, modes, thought levels) is the runtime's report.
 */
export async function listAgents({ teamId }: { teamId: string | null }): Promise<AgentJson[]> {
  const [offers, readiness, keys] = await Promise.all([runtimeOffers(), agentReadiness({ teamId }), providersReady({ teamId })]);
  const real = AGENT_CATALOG.map((agent): AgentJson => {
    const state = readiness.get(agent.id)!;
    return {
      id: agent.id,
      name: agent.name,
      installed: state.installed,
      version: state.version,
      ready: state.ready,
      offline: false,
      credentialsAvailable: keys.has(agent.modelApi),
      ...offers.get(agent.id),
      ...(state.missing ? { missing: state.missing } : {}),
    };
  });
  return [demoAgent(), ...real.sort((a, b) => Number(b.ready) - Number(a.ready) || a.name.localeCompare(b.name))];
}

/** GET /api/agents: for a team of the caller's (another team's id is one that does not exist), or for the instance's keys. */
export async function agentsForUser({ userId, teamId }: { userId: string; teamId?: string }): Promise<AgentJson[]> {
  if (teamId && !(await teamRole({ userId, teamId }))) throw notFound("Team");
  return listAgents({ teamId: teamId ?? null });
}

/** What the runtime says each agent offers, cached per catalog runtime generation for a few seconds. */
async function runtimeOffers(): Promise<Map<string, Offer>> {
  const catalog = await sandboxPool().catalog();
  const generation = catalog.currentGeneration();
  const cached = cache.portalAgentOffers;
  if (cached && cached.generation === generation && Date.now() - cached.at < CACHE_MS) return cached.offers;
  const { sdk } = await catalog.sdk();
  let reported;
  try {
    reported = await sdk.listAgents({ config: true });
  } catch (error) {
    throw runtimeError(error);
  }
  const offers = new Map<string, Offer>();
  for (const info of reported.agents) {
    const values = (category: string) => {
      const option = findByCategory(info.configOptions ?? [], category);
      const list = option ? optionValues(option) : null;
      return list && list.length > 0 ? list : undefined;
    };
    offers.set(portalAgentId(info.id), { models: values("model"), modes: values("mode"), thoughtLevels: values("thought_level") });
  }
  cache.portalAgentOffers = { at: Date.now(), generation, offers };
  return offers;
}

/** The agent a new session of `teamId` asks for, or a 422 that says what is missing. */
export async function requireStartableAgent({ agentId, teamId }: { agentId: string; teamId: string }): Promise<AgentJson> {
  if (agentId === DEMO_AGENT) return demoAgent();
  const agents = await listAgents({ teamId });
  const agent = agents.find((candidate) => candidate.id === agentId);
  if (!agent) {
    throw unprocessable(`Unknown agent "${agentId}".`, [{ path: "agent", message: `must be one of: ${agents.map((a) => a.id).join(", ")}` }]);
  }
  if (agent.missing) {
    throw unprocessable(`The agent "${agent.id}" cannot start here: ${agent.missing}.`, [{ path: "agent", message: agent.missing }]);
  }
  return agent;
}

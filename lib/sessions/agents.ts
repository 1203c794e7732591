import "server-only";
import { DEMO_AGENT, portalAgentId } from "@/lib/runtime/agents";
import { runtimeManager } from "@/lib/runtime/manager";
import { runtimeError } from "@/lib/sessions/runtime-link";

// The agents the runtime reports, in the portal's terms. The offline demo agent is always there.

export interface AgentSummary {
  id: string;
  name: string;
  installed: boolean;
  offline: boolean;
  credentialsAvailable: boolean;
  models?: string[];
  modes?: string[];
  /** Why the agent cannot start here, when it cannot. */
  missing?: string;
}

const NAMES: Record<string, string> = {
  demo: "Demo (offline)",
  claude: "Claude Code",
  codex: "Codex",
  opencode: "OpenCode",
  amp: "Amp",
  pi: "Pi",
  cursor: "Cursor",
};

const CACHE_MS = 10_000;
const cache = globalThis as unknown as { portalAgents?: { at: number; generation: number | null; agents: AgentSummary[] } };

export async function listAgents(): Promise<AgentSummary[]> {
  const generation = runtimeManager().currentGeneration();
  const cached = cache.portalAgents;
  if (cached && cached.generation === generation && Date.now() - cached.at < CACHE_MS) return cached.agents;
  const { sdk } = await runtimeManager().sdk();
  let reported;
  try {
    reported = await sdk.listAgents({ config: true });
  } catch (error) {
    throw runtimeError(error);
  }
  const agents = reported.agents.map((info): AgentSummary => {
    const id = portalAgentId(info.id);
    const offline = id === DEMO_AGENT;
    const installed = offline || info.installed;
    const credentialsAvailable = offline || info.credentialsAvailable;
    const values = (category: string) => {
      const option = (info.configOptions ?? []).find((candidate) => (candidate as { category?: string })?.category === category) as
        | { options?: Array<{ value?: string }> }
        | undefined;
      const list = option?.options?.map((entry) => entry.value).filter((value): value is string => typeof value === "string");
      return list && list.length > 0 ? list : undefined;
    };
    const missing = !installed
      ? "it is not installed in the runtime (agents install on first use, which needs internet access)"
      : !credentialsAvailable
        ? "no credentials were found for it in the runtime's environment (set its API key)"
        : undefined;
    return { id, name: NAMES[id] ?? id, installed, offline, credentialsAvailable, models: values("model"), modes: values("mode"), ...(missing ? { missing } : {}) };
  });
  if (!agents.some((agent) => agent.id === DEMO_AGENT)) {
    agents.unshift({ id: DEMO_AGENT, name: NAMES.demo!, installed: true, offline: true, credentialsAvailable: true });
  }
  agents.sort((a, b) => Number(b.id === DEMO_AGENT) - Number(a.id === DEMO_AGENT) || a.name.localeCompare(b.name));
  cache.portalAgents = { at: Date.now(), generation, agents };
  return agents;
}

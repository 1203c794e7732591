import "server-only";
import { AGENT_CATALOG, type AgentId, type ModelApi } from "@/lib/agents/catalog";
import { agentInstallStatus, agentsDir } from "@/lib/agents/installer";
import type { AgentReadinessJson } from "@/lib/contract/agents";
import { env } from "@/lib/env";
import { providersReady } from "@/lib/gateway/credentials";

// Whether each real agent can start for a team: installed on this host, and a key for the model
// API it speaks, the team's own (team_credentials) or the instance default from the portal's
// environment (ANTHROPIC_API_KEY / OPENAI_API_KEY). The key stays with the model gateway; the
// agent only ever holds its sandbox's gateway token.

const PROVIDER_NAMES: Record<ModelApi, string> = { anthropic: "Anthropic", openai: "OpenAI" };

/** Per real agent: installed, version, ready for the team (null: no team, keys of the instance only), and what is missing. */
export async function agentReadiness({ teamId }: { teamId: string | null }): Promise<Map<AgentId, AgentReadinessJson>> {
  const root = agentsDir();
  const keys = await providersReady({ teamId });
  const result = new Map<AgentId, AgentReadinessJson>();
  for (const agent of AGENT_CATALOG) {
    const install = agentInstallStatus(agent.id, root);
    const installed = install.state === "installed";
    const missing: string[] = [];
    if (install.state === "installing") missing.push("being installed now: it is ready when the install on /admin finishes");
    else if (install.state === "failed") missing.push("its install failed: an instance admin retries it on /admin");
    else if (!installed) missing.push("not installed: an instance admin installs it on /admin");
    // Claude Code refuses to run as root unless it is told it is sandboxed; under `local` it is not.
    if (agent.id === "claude" && env().PORTAL_SANDBOX === "local" && process.getuid?.() === 0)
      missing.push("Claude Code does not run as root outside a sandbox: run the portal as another user, or with PORTAL_SANDBOX=bwrap");
    if (!keys.has(agent.modelApi)) missing.push(`no ${PROVIDER_NAMES[agent.modelApi]} key: an admin of the team adds one under Settings → Model credentials`);
    result.set(agent.id, {
      id: agent.id,
      installed,
      version: installed ? install.version : null,
      ready: missing.length === 0,
      ...(missing.length > 0 ? { missing: missing.join("; ") } : {}),
    });
  }
  return result;
}

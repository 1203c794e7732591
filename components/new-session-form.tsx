"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { useFormSubmit } from "@/components/use-form-submit";
import type { AgentJson } from "@/lib/contract/agents";

export function NewSessionForm({
  teams,
  defaultTeamId,
  agents: initialAgents,
  agentsTeamId,
  sandbox,
  repositories = [],
  installLink = null,
}: {
  /** `admin`: the person adds the team's model keys (the not-ready lines link there). */
  teams: Array<{ id: string; name: string; admin?: boolean }>;
  /** The team chosen in the top bar (when the person may start sessions there). */
  defaultTeamId?: string;
  /** The agents, ready or not for `agentsTeamId`. */
  agents: AgentJson[];
  agentsTeamId?: string;
  /** Team repositories a new sandbox can start as a clone of. */
  repositories?: Array<{ id: string; teamId: string; name: string; defaultBranch: string }>;
  /** Continue in this sandbox's workspace (its team is fixed). */
  sandbox?: { id: string; teamId: string };
  /** Where this person installs agents (null: an instance admin's to do). */
  installLink?: string | null;
}) {
  const router = useRouter();
  const [teamId, setTeamId] = useState(sandbox?.teamId ?? (defaultTeamId || teams[0]?.id || ""));
  const [repositoryId, setRepositoryId] = useState("");
  // The repositories offered are the chosen team's, as its readiness is: a session starts in one team.
  const teamRepositories = repositories.filter((option) => option.teamId === teamId);
  const repository = teamRepositories.find((option) => option.id === repositoryId);
  const chosenTeam = teams.find((team) => team.id === teamId);
  const [agentsByTeam, setAgentsByTeam] = useState<Record<string, AgentJson[]>>(() => (agentsTeamId ? { [agentsTeamId]: initialAgents } : {}));
  // A failed check says so and leaves the last known list (the server refuses an agent not ready).
  const [readinessError, setReadinessError] = useState<{ teamId: string; message: string } | null>(null);
  const known = agentsByTeam[teamId];
  // Until another team's readiness arrives, the last known list stays (marked busy), never an empty form.
  const agents = known ?? initialAgents;
  const failed = readinessError?.teamId === teamId ? readinessError.message : null;
  const checking = known === undefined && Boolean(agentsTeamId) && teamId !== "" && failed === null;
  useEffect(() => {
    if (!checking) return;
    let current = true;
    void apiFetch<{ items: AgentJson[] }>(`/api/agents?teamId=${encodeURIComponent(teamId)}`).then((result) => {
      if (!current) return;
      if (result.ok) setAgentsByTeam((all) => ({ ...all, [teamId]: result.data.items }));
      else setReadinessError({ teamId, message: result.error });
    });
    return () => {
      current = false;
    };
  }, [checking, teamId]);
  // Agents that can start here are the choice; the others are one line each, saying what they need.
  const ready = agents.filter((a) => !a.missing);
  const notReady = agents.filter((a) => a.missing);
  const [picked, setAgent] = useState(ready[0]?.id ?? "demo");
  // An agent picked in one team and not ready in another gives way to the first ready one.
  const agent = ready.some((option) => option.id === picked) ? picked : (ready[0]?.id ?? picked);
  const chosen = agents.find((option) => option.id === agent);
  const setupLinks = { install: installLink, credentials: chosenTeam?.admin ? `/teams/${chosenTeam.id}/settings#credentials` : null };
  const { error, pending, onSubmit } = useFormSubmit(async (form) => {
    const result = await apiFetch<{ id: string }>("/api/sessions", {
      method: "POST",
      body: {
        teamId,
        sandboxId: sandbox?.id,
        repositoryId: repository?.id,
        branch: repository ? String(form.get("branch") ?? "").trim() || undefined : undefined,
        agent,
        title: String(form.get("title") ?? "").trim() || undefined,
        // Only what the person picked: the agent's own default otherwise.
        model: String(form.get("model") ?? "") || undefined,
        mode: String(form.get("mode") ?? "") || undefined,
        thoughtLevel: String(form.get("thoughtLevel") ?? "") || undefined,
      },
    });
    if (!result.ok) return result.error;
    router.push(`/sessions/${result.data.id}`);
    return null;
  });

  return (
    <form onSubmit={onSubmit} className="stack card" data-testid="new-session-form">
      {/* The team decides which agents are ready (its keys): it comes before them. */}
      {sandbox ? (
        <>
          <input type="hidden" name="teamId" value={sandbox.teamId} />
          <p className="muted small" data-testid="new-session-sandbox">
            Runs in sandbox <code>{sandbox.id.slice(0, 8)}</code>, on the same files as the sessions already there.
          </p>
        </>
      ) : teams.length > 1 ? (
        <label className="field">
          <span>Team</span>
          <select
            name="teamId"
            value={teamId}
            onChange={(event) => {
              setTeamId(event.target.value);
              setRepositoryId("");
            }}
            data-testid="session-team"
          >
            {teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <input type="hidden" name="teamId" value={teams[0]?.id} />
      )}
      <fieldset className="agent-grid" aria-busy={checking} data-team-id={known ? teamId : (agentsTeamId ?? "")} data-testid="agent-choices">
        <legend>Agent</legend>
        {ready.map((option) => (
          <label key={option.id} className={`agent-option${agent === option.id ? " selected" : ""}`}>
            <input
              type="radio"
              name="agent"
              value={option.id}
              checked={agent === option.id}
              onChange={() => setAgent(option.id)}
              data-testid={`agent-${option.id}`}
            />
            <span className="agent-name">{option.name}</span>
            <span className="agent-note" data-testid={`agent-note-${option.id}`}>
              {option.offline ? "Runs offline · no API key" : "Ready"}
            </span>
          </label>
        ))}
      </fieldset>
      {notReady.length > 0 && (
        <details className="agents-not-ready" data-testid="agents-not-ready">
          <summary className="small">{notReady.length === 1 ? "1 more agent needs setting up" : `${notReady.length} more agents need setting up`}</summary>
          <ul>
            {notReady.map((option) => (
              <li key={option.id} className="agent-setup-line" data-testid={`agent-setup-${option.id}`} title={option.missing}>
                <span className="agent-name">{option.name}</span>
                {setupSteps(option).map((step) => (
                  <span key={step.text} className="agent-setup-step small">
                    <span className="muted">{step.text}:</span>
                    {setupLinks[step.kind] ? (
                      <Link href={setupLinks[step.kind]!}>{step.link}</Link>
                    ) : (
                      <span className="muted">{step.kind === "install" ? "an instance admin installs it" : "a team admin adds one"}</span>
                    )}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        </details>
      )}
      {checking && (
        <p className="muted small" role="status" data-testid="agents-checking">
          Checking which agents are ready in {chosenTeam?.name ?? "this team"}…
        </p>
      )}
      {failed && (
        <p className="form-error" role="alert">
          {failed}
        </p>
      )}
      {agents.length === 0 && <p className="muted">The runtime reported no agents.</p>}
      {!sandbox && teamRepositories.length > 0 && (
        <div className="settings-grid">
          <label className="field">
            <span>Start from</span>
            <select value={repositoryId} onChange={(event) => setRepositoryId(event.target.value)} data-testid="session-repository">
              <option value="">An empty workspace</option>
              {teamRepositories.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.name}
                </option>
              ))}
            </select>
          </label>
          {repository && (
            <label className="field">
              <span>Branch</span>
              <input name="branch" placeholder={repository.defaultBranch} maxLength={200} spellCheck={false} data-testid="session-branch" />
            </label>
          )}
        </div>
      )}
      {chosen && (chosen.models?.length || chosen.modes?.length || chosen.thoughtLevels?.length) ? (
        <div className="settings-grid" key={chosen.id}>
          <SettingChoice name="model" label="Model" values={chosen.models} />
          <SettingChoice name="mode" label="Mode" values={chosen.modes} />
          <SettingChoice name="thoughtLevel" label="Thought level" values={chosen.thoughtLevels} />
        </div>
      ) : null}
      <label className="field">
        <span>
          Title <span className="muted">(optional)</span>
        </span>
        <input name="title" maxLength={200} placeholder="e.g. Fix the flaky checkout test" data-testid="session-title" />
      </label>
      {error && (
        <p className="form-error" role="alert" data-testid="new-session-error">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending || checking || ready.length === 0} data-testid="create-session">
          {pending ? "Starting…" : "Start session"}
        </button>
      </div>
    </form>
  );
}

/**
 * What stands between an agent and "Ready", short: the part of each reason before its colon
 * ("not installed", "no Anthropic key"; lib/agents/readiness.ts says the rest), and who fixes it.
 */
function setupSteps(agent: AgentJson): Array<{ kind: "install" | "credentials"; text: string; link: string }> {
  const reasons = (agent.missing ?? "").split("; ").filter(Boolean);
  const texts = reasons.length > 0 ? reasons.map((reason) => (reason.split(":")[0] ?? reason).trim()) : [agent.installed ? "no model key" : "not installed"];
  return texts.map((text) => {
    if (/\bkey\b/i.test(text)) return { kind: "credentials", text, link: "Add a key" };
    return { kind: "install", text, link: /being installed/.test(text) ? "Progress" : /failed/.test(text) ? "Retry" : "Install" };
  });
}

function SettingChoice({ name, label, values }: { name: string; label: string; values?: string[] }) {
  if (!values?.length) return null;
  return (
    <label className="field">
      <span>{label}</span>
      <select name={name} defaultValue="" data-testid={`new-session-${name}`}>
        <option value="">Agent default</option>
        {values.map((value) => (
          <option key={value} value={value}>
            {value}
          </option>
        ))}
      </select>
    </label>
  );
}

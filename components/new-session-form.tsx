"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/api-client";
import { useFormSubmit } from "@/components/use-form-submit";
import type { AgentJson } from "@/lib/contract/agents";

export function NewSessionForm({
  teams,
  agents,
  sandbox,
  repositories = [],
}: {
  teams: Array<{ id: string; name: string }>;
  agents: AgentJson[];
  /** Team repositories a new sandbox can start as a clone of. */
  repositories?: Array<{ id: string; teamId: string; name: string; defaultBranch: string }>;
  /** Continue in this sandbox's workspace (its team is fixed). */
  sandbox?: { id: string; teamId: string };
}) {
  const router = useRouter();
  // Agents that can start here come first; the others stay visible so people know they exist.
  const ordered = [...agents].sort((a, b) => Number(Boolean(a.missing)) - Number(Boolean(b.missing)));
  const [agent, setAgent] = useState(ordered.find((a) => !a.missing)?.id ?? "demo");
  const chosen = agents.find((option) => option.id === agent);
  const [repositoryId, setRepositoryId] = useState("");
  const repository = repositories.find((option) => option.id === repositoryId);
  const { error, pending, onSubmit } = useFormSubmit(async (form) => {
    const result = await apiFetch<{ id: string }>("/api/sessions", {
      method: "POST",
      body: {
        teamId: repository?.teamId ?? form.get("teamId"),
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
      <fieldset className="agent-grid">
        <legend>Agent</legend>
        {ordered.map((option) => (
          <label
            key={option.id}
            className={`agent-option${agent === option.id ? " selected" : ""}${option.missing ? " unavailable" : ""}`}
            title={option.missing}
          >
            <input
              type="radio"
              name="agent"
              value={option.id}
              checked={agent === option.id}
              disabled={Boolean(option.missing)}
              onChange={() => setAgent(option.id)}
              data-testid={`agent-${option.id}`}
            />
            <span className="agent-name">{option.name}</span>
            <span className={`agent-note${option.missing ? " how-to" : ""}`} data-testid={`agent-note-${option.id}`}>
              {option.missing ? `Not set up: ${option.missing}` : option.offline ? "Runs offline · no API key" : "Ready"}
            </span>
          </label>
        ))}
      </fieldset>
      {agents.length === 0 && <p className="muted">The runtime reported no agents.</p>}
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
          <select name="teamId" defaultValue={teams[0]?.id} data-testid="session-team">
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
      {!sandbox && repositories.length > 0 && (
        <div className="settings-grid">
          <label className="field">
            <span>Start from</span>
            <select value={repositoryId} onChange={(event) => setRepositoryId(event.target.value)} data-testid="session-repository">
              <option value="">An empty workspace</option>
              {repositories.map((option) => (
                <option key={option.id} value={option.id}>
                  {teams.length > 1 ? `${teams.find((team) => team.id === option.teamId)?.name ?? ""} · ` : ""}
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
        <button type="submit" className="button primary" disabled={pending || agents.length === 0} data-testid="create-session">
          {pending ? "Starting…" : "Start session"}
        </button>
      </div>
    </form>
  );
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

"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import type { AgentSummary } from "@/lib/sessions/agents";
import { apiFetch } from "@/components/api-client";

export function NewSessionForm({ teams, agents }: { teams: Array<{ id: string; name: string }>; agents: AgentSummary[] }) {
  const router = useRouter();
  const [agent, setAgent] = useState(agents.find((a) => !a.missing)?.id ?? "demo");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await apiFetch<{ id: string }>("/api/sessions", {
      method: "POST",
      body: { teamId: form.get("teamId"), agent, title: String(form.get("title") ?? "") || undefined },
    });
    if (!result.ok) {
      setPending(false);
      setError(result.error);
      return;
    }
    router.push(`/sessions/${result.data.id}`);
  }

  return (
    <form onSubmit={onSubmit} className="stack card" data-testid="new-session-form">
      <fieldset className="agent-grid">
        <legend>Agent</legend>
        {agents.map((option) => (
          <label key={option.id} className={`agent-option ${agent === option.id ? "selected" : ""} ${option.missing ? "unavailable" : ""}`}>
            <input type="radio" name="agent" value={option.id} checked={agent === option.id} onChange={() => setAgent(option.id)} data-testid={`agent-${option.id}`} />
            <strong>{option.name}</strong>
            <span className="muted small">{option.offline ? "Offline, no API key needed" : option.missing ? "Not available here" : "Ready"}</span>
          </label>
        ))}
      </fieldset>
      {teams.length > 1 ? (
        <label className="field">
          <span>Team</span>
          <select name="teamId" defaultValue={teams[0]?.id}>
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
      <label className="field">
        <span>Title (optional)</span>
        <input name="title" maxLength={200} placeholder="What is this session about?" data-testid="session-title" />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary" disabled={pending} data-testid="create-session">
        {pending ? "Starting…" : "Start session"}
      </button>
    </form>
  );
}

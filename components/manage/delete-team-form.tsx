"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/api-client";

/**
 * The owner deletes the team: everything of it goes for good (sessions and their history, sandboxes
 * and their files, settings, members, audit), so the team's name is typed to confirm, as on GitHub.
 */
export function DeleteTeamForm({ team }: { team: { id: string; name: string } }) {
  const router = useRouter();
  const [typed, setTyped] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmed = typed.trim() === team.name;
  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!confirmed) return;
    setPending(true);
    setError(null);
    const result = await apiFetch(`/api/teams/${team.id}`, { method: "DELETE", body: { name: typed.trim() } });
    if (!result.ok) {
      setPending(false);
      return setError(result.error);
    }
    router.push("/teams");
  }
  return (
    <form onSubmit={onSubmit} className="manage-form" data-testid="delete-team">
      <p className="muted small">
        Ends every running turn, then deletes the team&apos;s sessions with their history, its sandboxes with their files, its settings, members and audit log.
        It cannot be undone.
      </p>
      <label className="field">
        <span>
          Type <strong>{team.name}</strong> to confirm
        </span>
        <input value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" spellCheck={false} data-testid="delete-team-name" />
      </label>
      <div className="manage-form-actions">
        <button type="submit" className="button danger small" disabled={!confirmed || pending} data-testid="delete-team-submit">
          {pending ? "Deleting…" : "Delete this team"}
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

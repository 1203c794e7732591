"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useRef, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { useCurrentTeam } from "@/components/shell/current-team";
import { useDismiss } from "@/components/ui/use-dismiss";

/** The top bar's team: always shows which one (or "All teams"), and switches for every page at once. */
export function TeamSwitcher() {
  const { teams, current } = useCurrentTeam();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [switching, setSwitching] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  useDismiss(
    open,
    root,
    useCallback(() => setOpen(false), []),
  );

  async function choose(teamId: string | null) {
    setSwitching(teamId ?? "all");
    setError(null);
    const result = await apiFetch("/api/me", { method: "PATCH", body: { activeTeamId: teamId } });
    setSwitching(null);
    if (!result.ok) return setError(result.error);
    setOpen(false);
    router.refresh();
  }

  const label = current?.name ?? "All teams";
  return (
    <div className={`team-switcher${open ? " open" : ""}`} ref={root}>
      <button
        type="button"
        className="team-switcher-button"
        aria-expanded={open}
        aria-haspopup="true"
        aria-controls="team-switcher-menu"
        aria-label={`Team: ${label}. Switch team`}
        onClick={() => setOpen(!open)}
        data-testid="team-switcher"
        data-team-id={current?.id ?? ""}
      >
        <span className="team-switcher-name" data-testid="current-team">
          {label}
        </span>
        <span className="team-switcher-caret" aria-hidden>
          ▾
        </span>
      </button>
      {open && (
        <div className="team-switcher-menu" id="team-switcher-menu" data-testid="team-switcher-menu">
          <p className="team-switcher-head small muted">Show sessions of</p>
          <ul>
            <li>
              <button
                type="button"
                className={`team-option${current === null ? " current" : ""}`}
                aria-current={current === null ? "true" : undefined}
                disabled={switching !== null}
                onClick={() => void choose(null)}
                data-testid="team-option-all"
              >
                <span>All teams</span>
                {current === null && <span aria-hidden>✓</span>}
              </button>
            </li>
            {teams.map((team) => (
              <li key={team.id}>
                <button
                  type="button"
                  className={`team-option${current?.id === team.id ? " current" : ""}`}
                  aria-current={current?.id === team.id ? "true" : undefined}
                  disabled={switching !== null}
                  onClick={() => void choose(team.id)}
                  data-testid="team-option"
                  data-team-id={team.id}
                >
                  <span className="team-option-name">{team.name}</span>
                  <span className="team-option-role muted small">{switching === team.id ? "Switching…" : team.role}</span>
                  {current?.id === team.id && <span aria-hidden>✓</span>}
                </button>
              </li>
            ))}
          </ul>
          {error && (
            <p className="form-error small" role="alert">
              {error}
            </p>
          )}
          <Link href="/teams" className="team-switcher-manage small" onClick={() => setOpen(false)}>
            Manage or create teams
          </Link>
        </div>
      )}
    </div>
  );
}

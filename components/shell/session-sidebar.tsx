"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { useAttention } from "@/components/shell/attention";
import { useCurrentTeam } from "@/components/shell/current-team";
import { RelativeTime } from "@/components/ui/relative-time";
import { StatusBadge } from "@/components/ui/status-badge";
import { displayStatus, type SessionJson } from "@/lib/contract/sessions";

type SidebarSession = Pick<SessionJson, "id" | "teamId" | "title" | "status" | "updatedAt" | "lastStopReason">;

const SESSION_PAGE = /^\/sessions\/(?!new$)([^/]+)$/;
const NEEDS_FIRST: Record<string, number> = { awaiting_input: 0, running: 1 };

/** The current team's sessions (or all teams') beside a session page (wide screens): live, "needs you" first, search. */
export function SessionSidebar() {
  const pathname = usePathname();
  const currentId = SESSION_PAGE.exec(pathname)?.[1] ?? null;
  const [sessions, setSessions] = useState<SidebarSession[] | null>(null);
  const [query, setQuery] = useState("");
  const [reads, setReads] = useState(0);
  const { changes, resyncs } = useAttention();
  const { current: team, canAnswerIn } = useCurrentTeam();
  const teamId = team?.id ?? null;
  const applied = useRef(changes.length);
  const onSessionPage = currentId !== null;

  useEffect(() => {
    if (!onSessionPage) return;
    const timer = setTimeout(
      () => {
        const q = query.trim();
        void apiFetch<{ items: SidebarSession[] }>(
          `/api/sessions?limit=100${teamId ? `&teamId=${encodeURIComponent(teamId)}` : ""}${q ? `&q=${encodeURIComponent(q)}` : ""}`,
        ).then((result) => result.ok && setSessions(result.data.items));
      },
      query ? 250 : 0,
    );
    return () => clearTimeout(timer);
  }, [query, onSessionPage, teamId, reads, resyncs]);

  // Live from the "needs you" feed: a status changes in place; a session created, archived or
  // destroyed elsewhere (this list has not seen it, or it left the list) means a re-read.
  useEffect(() => {
    const fresh = changes.slice(applied.current).filter((change) => teamId === null || change.teamId === teamId);
    applied.current = changes.length;
    if (fresh.length === 0) return;
    setSessions((current) => {
      if (!current) return current;
      const known = new Set(current.map((session) => session.id));
      if (fresh.some((change) => !known.has(change.id) && change.archivedAt === null) || (query.trim() && fresh.some((change) => known.has(change.id))))
        setReads((count) => count + 1);
      const byId = new Map(fresh.map((change) => [change.id, change]));
      return current
        .filter((session) => !byId.get(session.id)?.archivedAt)
        .map((session) => {
          const change = byId.get(session.id);
          return change
            ? { ...session, status: change.status, title: change.title, updatedAt: change.updatedAt, lastStopReason: change.lastStopReason }
            : session;
        });
    });
  }, [changes, teamId, query]);

  const ordered = useMemo(
    () => [...(sessions ?? [])].sort((a, b) => (NEEDS_FIRST[a.status] ?? 2) - (NEEDS_FIRST[b.status] ?? 2) || b.updatedAt.localeCompare(a.updatedAt)),
    [sessions],
  );

  if (!onSessionPage) return null;
  return (
    <nav className="session-sidebar" aria-label="Sessions" data-testid="session-sidebar">
      <div className="sidebar-search">
        <input
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          placeholder="Search sessions"
          aria-label="Search sessions"
          data-testid="sidebar-search"
        />
      </div>
      {sessions === null ? (
        <p className="muted small sidebar-note">Loading…</p>
      ) : ordered.length === 0 ? (
        <p className="muted small sidebar-note">{query ? "No session matches." : "No sessions yet."}</p>
      ) : (
        <ul className="sidebar-list">
          {ordered.map((session) => (
            <li key={session.id}>
              <Link
                href={`/sessions/${session.id}`}
                className={`sidebar-item${session.id === currentId ? " current" : ""}${session.status === "awaiting_input" && canAnswerIn(session.teamId) ? " needs-you" : ""}`}
                aria-current={session.id === currentId ? "page" : undefined}
                data-testid="sidebar-session"
                data-status={session.status}
                data-session-id={session.id}
              >
                <span className="sidebar-title">{session.title}</span>
                <span className="sidebar-meta">
                  <StatusBadge status={displayStatus(session.status, session.lastStopReason)} canAnswer={canAnswerIn(session.teamId)} />
                  <span className="muted small">
                    <RelativeTime iso={session.updatedAt} />
                  </span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}

"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { useAttention } from "@/components/shell/attention";
import { RelativeTime } from "@/components/ui/relative-time";
import { StatusBadge } from "@/components/ui/status-badge";
import type { SessionJson } from "@/lib/contract/sessions";

type SidebarSession = Pick<SessionJson, "id" | "title" | "status" | "updatedAt">;

const SESSION_PAGE = /^\/sessions\/(?!new$)([^/]+)$/;
const NEEDS_FIRST: Record<string, number> = { awaiting_input: 0, running: 1 };

/** The team's sessions beside a session page (wide screens): live status, "needs you" first, search. */
export function SessionSidebar() {
  const pathname = usePathname();
  const currentId = SESSION_PAGE.exec(pathname)?.[1] ?? null;
  const [sessions, setSessions] = useState<SidebarSession[] | null>(null);
  const [query, setQuery] = useState("");
  const { changes } = useAttention();
  const applied = useRef(0);
  const onSessionPage = currentId !== null;

  useEffect(() => {
    if (!onSessionPage) return;
    const timer = setTimeout(() => {
      const q = query.trim();
      void apiFetch<{ items: SidebarSession[] }>(`/api/sessions?limit=100${q ? `&q=${encodeURIComponent(q)}` : ""}`).then((result) => result.ok && setSessions(result.data.items));
    }, query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [query, onSessionPage]);

  // Live status from the "needs you" feed; a session this list has not seen yet means a re-read.
  useEffect(() => {
    const fresh = changes.slice(applied.current);
    applied.current = changes.length;
    if (fresh.length === 0) return;
    setSessions((current) => {
      if (!current) return current;
      const byId = new Map(fresh.map((change) => [change.id, change]));
      return current.map((session) => {
        const change = byId.get(session.id);
        return change ? { ...session, status: change.status, title: change.title, updatedAt: change.updatedAt } : session;
      });
    });
  }, [changes]);

  const ordered = useMemo(
    () => [...(sessions ?? [])].sort((a, b) => (NEEDS_FIRST[a.status] ?? 2) - (NEEDS_FIRST[b.status] ?? 2) || b.updatedAt.localeCompare(a.updatedAt)),
    [sessions],
  );

  if (!onSessionPage) return null;
  return (
    <nav className="session-sidebar" aria-label="Sessions" data-testid="session-sidebar">
      <div className="sidebar-search">
        <input type="search" value={query} onChange={(event) => setQuery(event.target.value)} placeholder="Search sessions" aria-label="Search sessions" data-testid="sidebar-search" />
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
                className={`sidebar-item${session.id === currentId ? " current" : ""}${session.status === "awaiting_input" ? " needs-you" : ""}`}
                aria-current={session.id === currentId ? "page" : undefined}
                data-testid="sidebar-session"
                data-status={session.status}
                data-session-id={session.id}
              >
                <span className="sidebar-title">{session.title}</span>
                <span className="sidebar-meta">
                  <StatusBadge status={session.status} />
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

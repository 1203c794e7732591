"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { Composer } from "@/components/session/composer";
import { SessionControls, type SessionDetail } from "@/components/session/session-controls";
import { Transcript } from "@/components/session/transcript";
import { useSessionStream, type ConnectionState } from "@/components/session/use-session-stream";
import { StatusBadge } from "@/components/ui/status-badge";

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

export function SessionView({ initial, canWrite, agentName }: { initial: SessionDetail; canWrite: boolean; agentName: string }) {
  const [session, setSession] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const refresh = useCallback(() => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(async () => {
      const result = await apiFetch<SessionDetail>(`/api/sessions/${initial.id}`);
      if (result.ok) setSession(result.data);
    }, 100);
  }, [initial.id]);

  const stream = useSessionStream(initial.id, refresh);
  useEffect(() => () => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
  }, []);

  const status = stream.status ?? session.status;
  const usage = stream.usage ?? session.usage;
  const shownConnection: ConnectionState | "restorable" = status === "restorable" && stream.connection === "live" ? "restorable" : stream.connection;

  async function act(url: string, method: string, body?: unknown) {
    setError(null);
    const result = await apiFetch<unknown>(url, { method, body });
    if (!result.ok) setError(result.error);
    refresh();
    return result.ok;
  }

  return (
    <div className="session-layout">
      <section className="session-main">
        <header className="session-header">
          <div>
            <h1 data-testid="session-title-heading">{session.title}</h1>
            <p className="muted small">
              {agentName} · {session.eventCount.toLocaleString("en")} events
              {usage?.used != null && usage.size ? ` · context ${Math.round((usage.used / usage.size) * 100)}%` : ""}
              {usage?.cost ? ` · ${usage.cost.currency} ${usage.cost.amount.toFixed(4)}` : ""}
            </p>
          </div>
          <div className="session-header-right">
            <span className={`connection connection-${shownConnection}`} data-testid="connection-state" data-state={shownConnection}>
              <span className="dot" aria-hidden />
              {shownConnection === "restorable" ? "Restorable" : CONNECTION_LABEL[shownConnection]}
            </span>
            <StatusBadge status={status} />
          </div>
        </header>
        {error && (
          <div className="banner error" role="alert" data-testid="session-error">
            {error}
            <button type="button" className="link-button" onClick={() => setError(null)}>
              Dismiss
            </button>
          </div>
        )}
        <Transcript
          items={stream.items}
          loading={stream.lastIndex === 0 && stream.connection !== "live" && session.eventCount > 0}
          canAnswer={canWrite && status !== "destroyed"}
          onAnswer={(permissionId, reply) => act(`/api/sessions/${initial.id}/permissions/${permissionId}`, "POST", { reply })}
        />
        {canWrite && status !== "destroyed" && (
          <Composer
            running={status === "running"}
            restorable={status === "restorable"}
            onSend={(text) => act(`/api/sessions/${initial.id}/prompt`, "POST", { text })}
            onStop={() => act(`/api/sessions/${initial.id}/cancel`, "POST")}
          />
        )}
        {!canWrite && <p className="muted small readonly-note">You can watch this session; your role does not allow prompting.</p>}
      </section>
      <SessionControls session={{ ...session, status }} canWrite={canWrite} act={act} />
    </div>
  );
}

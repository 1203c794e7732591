"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { Composer } from "@/components/session/composer";
import { SessionControls, type SessionDetail } from "@/components/session/session-controls";
import { Transcript, type PermissionReply } from "@/components/session/transcript";
import { useSessionStream, type ConnectionState } from "@/components/session/use-session-stream";
import { StatusBadge } from "@/components/ui/status-badge";

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

const DEMO_SUGGESTIONS = [
  { prompt: "Hello! What can you do?", label: "Say hello" },
  { prompt: "/tool", label: "/tool — ask for a permission" },
  { prompt: "/markdown", label: "/markdown — a formatted answer" },
  { prompt: "/stream 500 250", label: "/stream 500 — a long answer" },
];

export function SessionView({ initial, canWrite, agentName }: { initial: SessionDetail; canWrite: boolean; agentName: string }) {
  const [session, setSession] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const sessionId = initial.id;

  const refresh = useCallback(() => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(async () => {
      const result = await apiFetch<SessionDetail>(`/api/sessions/${sessionId}`);
      if (result.ok) setSession(result.data);
    }, 100);
  }, [sessionId]);

  const stream = useSessionStream(sessionId, refresh);
  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );

  // The stream is the freshest source; the fetched session covers the time before its first event.
  const status = stream.status ?? session.status;
  const usage = stream.usage ?? session.usage;
  const writable = canWrite && status !== "destroyed";

  // Stable callbacks: the transcript's rows are memoised and must not re-render on every chunk.
  const act = useCallback(
    async (url: string, method: string, body?: unknown) => {
      setError(null);
      const result = await apiFetch<unknown>(url, { method, body });
      if (!result.ok) setError(result.error);
      refresh();
      return result.ok;
    },
    [refresh],
  );
  const answer = useCallback((permissionId: string, reply: PermissionReply) => act(`/api/sessions/${sessionId}/permissions/${permissionId}`, "POST", { reply }), [act, sessionId]);
  const send = useCallback((text: string) => act(`/api/sessions/${sessionId}/prompt`, "POST", { text }), [act, sessionId]);
  const stop = useCallback(() => act(`/api/sessions/${sessionId}/cancel`, "POST"), [act, sessionId]);

  const empty = useMemo(
    () => (
      <div className="empty-transcript">
        <p className="empty-title">No messages yet</p>
        <p className="muted">{writable ? `Send a prompt below to start working with ${agentName}.` : "Nothing was said in this session."}</p>
        {writable && session.agent === "demo" && (
          <div className="suggestions">
            {DEMO_SUGGESTIONS.map((suggestion) => (
              <button key={suggestion.prompt} type="button" className="chip" onClick={() => void send(suggestion.prompt)} data-testid="suggestion">
                {suggestion.label}
              </button>
            ))}
          </div>
        )}
      </div>
    ),
    [writable, session.agent, agentName, send],
  );

  return (
    <div className="session-layout">
      <section className="session-main">
        <header className="session-header">
          <div className="session-heading">
            <h1 data-testid="session-title-heading">{session.title}</h1>
            <p className="muted small">
              {agentName} · {Math.max(session.eventCount, stream.lastIndex).toLocaleString("en")} events
            </p>
          </div>
          <div className="session-header-right">
            <span className={`connection connection-${stream.connection}`} data-testid="connection-state" data-state={stream.connection} title="Connection to the portal's live stream">
              <span className="dot" aria-hidden />
              {CONNECTION_LABEL[stream.connection]}
            </span>
            <span data-testid="session-status">
              <StatusBadge status={status} />
            </span>
          </div>
        </header>
        {(stream.connection === "reconnecting" || stream.connection === "offline") && (
          <div className="banner inline warning" role="status" data-testid="connection-banner">
            {stream.connection === "offline"
              ? "You are offline. The transcript will catch up with everything you missed as soon as the connection is back."
              : "Connection lost. Reconnecting… nothing is lost, the transcript resumes where it stopped."}
          </div>
        )}
        {status === "restorable" && (
          <div className="banner inline info" role="status" data-testid="restorable-banner">
            The runtime lost this session. Its history is safe{writable ? "; your next prompt restores it with the conversation so far." : "."}
          </div>
        )}
        {error && (
          <div className="banner inline error" role="alert" data-testid="session-error">
            <span>{error}</span>
            <button type="button" className="link-button" onClick={() => setError(null)}>
              Dismiss
            </button>
          </div>
        )}
        <Transcript
          items={stream.items}
          loading={stream.lastIndex === 0 && stream.connection !== "live" && session.eventCount > 0}
          running={status === "running"}
          openMessageKey={stream.openMessageKey}
          agentName={agentName}
          canAnswer={writable}
          onAnswer={answer}
          empty={empty}
        />
        {writable && <Composer running={status === "running"} restorable={status === "restorable"} offline={stream.connection === "offline"} onSend={send} onStop={stop} />}
        {status === "destroyed" && (
          <p className="readonly-note" data-testid="destroyed-note">
            This session was destroyed. Its history stays readable here.
          </p>
        )}
        {!canWrite && status !== "destroyed" && (
          <p className="readonly-note">You can watch this session; your role in the team does not allow prompting.</p>
        )}
      </section>
      <SessionControls session={session} status={status} usage={usage} eventCount={Math.max(session.eventCount, stream.lastIndex)} agentName={agentName} canWrite={canWrite} act={act} />
    </div>
  );
}

"use client";

import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { Composer } from "@/components/session/composer";
import { RawEventsDrawer, type RawRequest } from "@/components/session/raw-events-drawer";
import { SessionActions } from "@/components/session/session-actions";
import { SessionControls } from "@/components/session/session-controls";
import { Transcript } from "@/components/session/transcript";
import type { TranscriptItem } from "@/components/session/transcript-model";
import { useSessionStream, type ConnectionState, type StreamAccess } from "@/components/session/use-session-stream";
import { useAttention } from "@/components/shell/attention";
import { RelativeTime } from "@/components/ui/relative-time";
import { StatusBadge } from "@/components/ui/status-badge";
import type { PermissionReply } from "@/lib/contract/permissions";
import { isSessionStatus, STATUS_LABEL, type SessionDetailJson } from "@/lib/contract/sessions";

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  loading: "Loading…",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  ended: "No access",
};

const DEMO_SUGGESTIONS = [
  { prompt: "Hello! What can you do?", label: "Say hello" },
  { prompt: "/tool", label: "/tool — ask for a permission" },
  { prompt: "/markdown", label: "/markdown — a formatted answer" },
  { prompt: "/stream 500 250", label: "/stream 500 — a long answer" },
];

export function SessionView({ initial, canWrite: canWriteAtLoad, agentName, people, wholeHistory = false }: { initial: SessionDetailJson; canWrite: boolean; agentName: string; people: Record<string, string>; wholeHistory?: boolean }) {
  const [session, setSession] = useState(initial);
  // The stream tells a role change at once; nothing needs a reload to honour it.
  const [canWriteNow, setCanWriteNow] = useState(canWriteAtLoad);
  const [error, setError] = useState<string | null>(null);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const [raw, setRaw] = useState<RawRequest | null>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const sessionId = initial.id;
  const { watchSession } = useAttention();

  useEffect(() => {
    watchSession(sessionId);
    return () => watchSession(null);
  }, [sessionId, watchSession]);

  // A rename changes the tab's title at once (the server's <title> names the session as it was).
  useEffect(() => {
    document.title = `${session.title} · Agent Portal`;
  }, [session.title]);

  const refresh = useCallback(() => {
    if (refreshTimer.current) clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => {
      void apiFetch<SessionDetailJson>(`/api/sessions/${sessionId}`).then((result) => result.ok && setSession(result.data));
    }, 100);
  }, [sessionId]);

  const onAccess = useCallback((access: StreamAccess) => setCanWriteNow(access.canWrite), []);
  const stream = useSessionStream(sessionId, { eventCount: initial.eventCount, onPortalEvent: refresh, onAccess, loadAll: wholeHistory });
  const accessEnded = stream.connection === "ended";
  const canWrite = canWriteNow && !accessEnded;
  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );

  const loading = stream.connection === "loading";
  // The server's status until live events say otherwise: stored history is never replayed as running.
  const base = stream.liveStatus ?? session.status;
  const status = base === "running" || base === "awaiting_input" ? (stream.pendingCount > 0 ? "awaiting_input" : stream.liveStatus ? "running" : base) : base;
  const running = status === "running" || status === "awaiting_input";
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
  const showRaw = useCallback((item: TranscriptItem) => setRaw({ title: rawTitle(item), indexes: item.events }), []);
  const loadOlder = useCallback(() => void stream.loadOlder(), [stream.loadOlder]); // eslint-disable-line react-hooks/exhaustive-deps -- the stream object is new on every event; its loadOlder is not

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

  // The one live region: what the session is doing, in a sentence, never the transcript itself.
  const announcement = loading ? "" : status === "awaiting_input" ? `${agentName} needs a permission answer.` : status === "running" ? `${agentName} is working.` : `Session ${isSessionStatus(status) ? STATUS_LABEL[status] : status}.`;

  return (
    <div className="session-layout">
      <section className="session-main" aria-label="Conversation">
        <header className="session-header">
          <div className="session-heading">
            <Link href="/sessions" className="crumb">
              ← Sessions
            </Link>
            <h1 data-testid="session-title-heading">{session.title}</h1>
            <p className="muted small session-sub">
              {agentName}
              {session.createdAt && (
                <>
                  {" · started "}
                  <RelativeTime iso={session.createdAt} />
                </>
              )}
              {session.archivedAt && <span className="archived-tag"> · archived</span>}
            </p>
          </div>
          <div className="session-header-right">
            <span className={`connection connection-${stream.connection}`} data-testid="connection-state" data-state={stream.connection} title="Connection to the portal's live stream">
              <span className="dot" aria-hidden />
              <span className="connection-label">{CONNECTION_LABEL[stream.connection]}</span>
            </span>
            <span data-testid="session-status">
              <StatusBadge status={status} />
            </span>
            <SessionActions session={session} canWrite={canWrite} act={act} onRenamed={(title) => setSession((current) => ({ ...current, title }))} onRawStream={() => setRaw({ title: "Raw event stream", indexes: null })} />
            <button type="button" className="button small details-button" onClick={() => setDetailsOpen(true)} aria-expanded={detailsOpen} aria-controls="session-details" data-testid="open-details">
              Details
            </button>
          </div>
        </header>
        <p className="sr-only" role="status" aria-live="polite" data-testid="status-announcer">
          {announcement}
        </p>
        {(stream.connection === "reconnecting" || stream.connection === "offline") && (
          <div className="banner inline warning" data-testid="connection-banner">
            {stream.connection === "offline"
              ? "You are offline. The transcript will catch up with everything you missed as soon as the connection is back."
              : "Connection lost. Reconnecting… nothing is lost, the transcript resumes where it stopped."}
          </div>
        )}
        {accessEnded && (
          <div className="banner inline warning" role="alert" data-testid="access-ended-banner">
            <span>
              You are no longer a member of this session&apos;s team, so it stopped updating here. <Link href="/sessions">Back to your sessions</Link>
            </span>
          </div>
        )}
        {status === "restorable" && (
          <div className="banner inline info" data-testid="restorable-banner">
            This session is paused: the runtime stopped since it last ran. Its history is safe{writable ? "; your next prompt picks it up with the conversation so far." : "."}
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
          loading={loading}
          running={running && !loading}
          openMessageKey={stream.openMessageKey}
          agentName={agentName}
          canAnswer={writable}
          onAnswer={answer}
          onRaw={showRaw}
          people={people}
          firstItemIndex={stream.firstItemIndex}
          hasOlder={stream.firstIndex > 1}
          loadingOlder={stream.loadingOlder}
          onLoadOlder={loadOlder}
          virtual={!wholeHistory}
          empty={empty}
        />
        {writable && <Composer running={running && !loading} restorable={status === "restorable"} offline={stream.connection === "offline"} onSend={send} onStop={stop} />}
        {status === "destroyed" && (
          <p className="readonly-note" data-testid="destroyed-note">
            This session was destroyed. Its history stays readable here.
          </p>
        )}
        {!canWrite && !accessEnded && status !== "destroyed" && <p className="readonly-note" data-testid="readonly-note">You can watch this session; your role in the team does not allow prompting.</p>}
      </section>
      <SessionControls
        session={session}
        status={status}
        usage={usage}
        agentName={agentName}
        canWrite={canWrite}
        act={act}
        open={detailsOpen}
        onClose={() => setDetailsOpen(false)}
      />
      {raw && <RawEventsDrawer sessionId={sessionId} request={raw} lastIndex={stream.lastIndex} onClose={() => setRaw(null)} />}
    </div>
  );
}

function rawTitle(item: TranscriptItem) {
  switch (item.kind) {
    case "tool":
      return `Raw events: ${item.title}`;
    case "user":
      return "Raw events: prompt";
    case "agent":
      return "Raw events: agent message";
    default:
      return `Raw events: ${item.kind.replace("_", " ")}`;
  }
}

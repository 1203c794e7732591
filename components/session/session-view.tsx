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
import { may, type Role } from "@/lib/contract/roles";
import { displayStatus, isSessionStatus, publicStatus, STATUS_LABEL, storedStatusOf, type SessionDetailJson, type UsageJson } from "@/lib/contract/sessions";

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

export function SessionView({
  initial,
  role: roleAtLoad,
  ownSession,
  agentName,
  people,
  wholeHistory = false,
}: {
  initial: SessionDetailJson;
  /** The viewer's role in the session's team; `ownSession`: they created it. */
  role: Role;
  ownSession: boolean;
  agentName: string;
  people: Record<string, string>;
  wholeHistory?: boolean;
}) {
  const [session, setSession] = useState(initial);
  // The stream tells a role change at once; nothing needs a reload to honour it.
  const [role, setRole] = useState(roleAtLoad);
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

  const onAccess = useCallback((access: StreamAccess) => setRole(access.role), []);
  const stream = useSessionStream(sessionId, { eventCount: initial.eventCount, onPortalEvent: refresh, onAccess, loadAll: wholeHistory });
  const accessEnded = stream.connection === "ended";
  const canWrite = may(role, "work") && !accessEnded;
  const canDestroy = may(role, "destroySession", { own: ownSession }) && !accessEnded;
  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );

  const loading = stream.connection === "loading";
  // The server's status until live events say otherwise: stored history is never replayed as running.
  // Until then a permission the server counted as pending still waits, whatever the loaded tail holds.
  const stored = stream.liveStatus ?? storedStatusOf(session.status);
  const status = publicStatus(stored, stream.liveStatus ? stream.pendingCount : Math.max(stream.pendingCount, session.pendingPermissions.length));
  const running = status === "running" || status === "awaiting_input";
  const usage = stream.usage ?? session.usage;
  const writable = canWrite && status !== "destroyed";
  // Restorable after a clean stop looks idle: only a turn the stop cut off makes it look paused.
  const cutOff = status === "restorable" && session.lastStopReason === "interrupted";
  const shownStatus = displayStatus(status, session.lastStopReason);

  // The prompt just sent, shown at once (until the stream brings it back, or the send failed).
  const [sent, setSent] = useState<{ text: string; after: number } | null>(null);
  const userCount = useMemo(() => stream.items.reduce((count, item) => count + (item.kind === "user" ? 1 : 0), 0), [stream.items]);
  useEffect(() => {
    if (sent && userCount > sent.after) setSent(null);
  }, [sent, userCount]);
  const items = useMemo<TranscriptItem[]>(
    () => (sent ? [...stream.items, { kind: "user", key: "sending", events: [], text: sent.text, links: [] }] : stream.items),
    [stream.items, sent],
  );

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
  const answer = useCallback(
    (permissionId: string, reply: PermissionReply) => act(`/api/sessions/${sessionId}/permissions/${permissionId}`, "POST", { reply }),
    [act, sessionId],
  );
  const userCountRef = useRef(userCount);
  userCountRef.current = userCount;
  const send = useCallback(
    async (text: string) => {
      setSent({ text, after: userCountRef.current });
      const ok = await act(`/api/sessions/${sessionId}/prompt`, "POST", { text });
      if (!ok) setSent(null);
      return ok;
    },
    [act, sessionId],
  );
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
  const announcement = loading
    ? ""
    : status === "awaiting_input"
      ? writable
        ? `${agentName} is waiting for your permission answer.`
        : `${agentName} is waiting for a member to answer a permission.`
      : status === "running"
        ? `${agentName} is working.`
        : `Session ${isSessionStatus(shownStatus) ? STATUS_LABEL[shownStatus] : shownStatus}.`;

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
            <span
              className={`connection connection-${stream.connection}`}
              data-testid="connection-state"
              data-state={stream.connection}
              title="Connection to the portal's live stream"
            >
              <span className="dot" aria-hidden />
              <span className="connection-label">{CONNECTION_LABEL[stream.connection]}</span>
            </span>
            <ContextMeter usage={usage} />
            <span data-testid="session-status" data-status={status}>
              <StatusBadge status={shownStatus} canAnswer={writable} />
            </span>
            <SessionActions
              session={session}
              canWrite={canWrite}
              act={act}
              onRenamed={(title) => setSession((current) => ({ ...current, title }))}
              onRawStream={() => setRaw({ title: "Raw event stream", indexes: null })}
            />
            <button
              type="button"
              className="button small details-button"
              onClick={() => setDetailsOpen(true)}
              aria-expanded={detailsOpen}
              aria-controls="session-details"
              data-testid="open-details"
            >
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
        {cutOff && (
          <div className="banner inline info" data-testid="restorable-banner">
            The last turn was cut off when the runtime stopped. Its history is safe
            {writable ? "; your next prompt picks it up with the conversation so far." : "."}
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
          items={items}
          loading={loading}
          running={running && !loading}
          pendingCount={stream.pendingCount}
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
        {writable && (
          <Composer
            running={running && !loading}
            waiting={status === "awaiting_input"}
            restorable={cutOff}
            offline={stream.connection === "offline"}
            commands={stream.commands}
            onSend={send}
            onStop={stop}
          />
        )}
        {status === "destroyed" && (
          <p className="readonly-note" data-testid="destroyed-note">
            This session was destroyed. Its history stays readable here.
          </p>
        )}
        {!canWrite && !accessEnded && status !== "destroyed" && (
          <p className="readonly-note" data-testid="readonly-note">
            You can watch this session; your role in the team does not allow prompting.
          </p>
        )}
      </section>
      <SessionControls
        session={session}
        status={status}
        usage={usage}
        agentName={agentName}
        canWrite={canWrite}
        canDestroy={canDestroy}
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

/** The context window's use and the cost, where the agent reports them (usage_update). */
function ContextMeter({ usage }: { usage: UsageJson | null }) {
  if (!usage?.used || !usage.size) return null;
  const share = Math.min(1, usage.used / usage.size);
  const cost =
    usage.cost && usage.cost.amount > 0
      ? new Intl.NumberFormat("en", { style: "currency", currency: usage.cost.currency, maximumFractionDigits: 4 }).format(usage.cost.amount)
      : null;
  const words = `Context ${Math.round(share * 100)}% used: ${usage.used.toLocaleString("en")} of ${usage.size.toLocaleString("en")} tokens${cost ? `; cost so far ${cost}` : ""}`;
  return (
    <span className={`context-meter${share > 0.85 ? " high" : ""}`} title={words} data-testid="context-meter">
      <span className="sr-only">{words}</span>
      {/* Named on screen too: a bare "0% · $0.0001" beside the status said nothing of what it measures. */}
      <span className="context-meter-label" aria-hidden>
        Context
      </span>
      <span className="context-meter-track" aria-hidden>
        <span className="context-meter-fill" style={{ width: `${Math.max(3, share * 100)}%` }} />
      </span>
      <span className="context-meter-label num" aria-hidden>
        {Math.round(share * 100)}%{cost ? ` · ${cost}` : ""}
      </span>
    </span>
  );
}

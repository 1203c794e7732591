"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { readEventRange } from "@/components/api-client";
import { applyEvents, transcriptOf, type StreamEvent, type TranscriptState } from "@/components/session/transcript-model";
import type { Role } from "@/lib/contract/roles";
import type { StoredSessionStatus } from "@/lib/contract/sessions";

// The session view's history and live connection. History opens at rest: the newest events are read
// through the events API and shown as they are (no replay, no typing), older ones on request (scroll
// up); only then does an EventSource resume after the last one, for new events. Live events are
// merged in batches on animation frames; the connection has a visible state. The stream also says
// when the viewer's role changes (`access`) and when their access ended (`revoked`: no reconnect).

export type ConnectionState = "loading" | "connecting" | "live" | "reconnecting" | "offline" | "ended";

/** The viewer's role now, as the stream tells it after a role change (what it allows: lib/contract/roles.ts). */
export interface StreamAccess {
  role: Role;
}

export interface TranscriptSnapshot {
  items: TranscriptState["items"];
  lastIndex: number;
  /** Index of the oldest event loaded; above 1, older history can be loaded. */
  firstIndex: number;
  /** The list position of the first item: lowered when older items are put in front (for the virtual list). */
  firstItemIndex: number;
  /** The stored status live events announced since the page opened (null: none yet, trust the server's). */
  liveStatus: StoredSessionStatus | null;
  usage: TranscriptState["usage"];
  /** The slash commands the agent announced. */
  commands: TranscriptState["commands"];
  pendingCount: number;
  /** Key of the agent message still receiving chunks, if any. */
  openMessageKey: string | null;
}

/** Events read when a session opens: the newest end, so a long history opens as fast as a short one. */
export const TAIL_EVENTS = 2_000;
const RETRY_MS = 2_000;
/** At most ~20 transcript renders a second: streamed text still reads as live, and a fast agent
 * cannot keep the page busy re-laying out a long message 60 times a second. */
const MIN_FLUSH_GAP_MS = 50;

async function readRange(apiBase: string, after: number, count: number, signal?: AbortSignal): Promise<StreamEvent[]> {
  const read = await readEventRange(apiBase, { after, count, signal });
  if (!read.ok) throw new Error(read.error);
  return read.data;
}

/** Far from zero, so the list position can go down by every item older history adds. */
const FIRST_ITEM_BASE = 100_000_000;

function snapshotOf(state: TranscriptState, firstIndex: number, liveStatus: StoredSessionStatus | null, firstItemIndex: number): TranscriptSnapshot {
  const open = state.openMessage === null ? null : (state.items[state.openMessage]?.key ?? null);
  return {
    items: [...state.items],
    lastIndex: state.lastIndex,
    firstIndex,
    firstItemIndex,
    liveStatus,
    usage: state.usage,
    commands: state.commands,
    pendingCount: state.pending.size,
    openMessageKey: open,
  };
}

export function useSessionStream(
  sessionId: string,
  {
    eventCount,
    onPortalEvent,
    onAccess,
    loadAll = false,
    apiBase = `/api/sessions/${sessionId}`,
  }: {
    eventCount: number;
    onPortalEvent?: (type: string) => void;
    onAccess?: (access: StreamAccess) => void;
    loadAll?: boolean;
    /** Where `/events` and `/stream` are: the session's own, or a share link's (read-only, redacted). */
    apiBase?: string;
  },
) {
  const [snapshot, setSnapshot] = useState<TranscriptSnapshot>({
    items: [],
    lastIndex: 0,
    firstIndex: 1,
    firstItemIndex: FIRST_ITEM_BASE,
    liveStatus: null,
    usage: null,
    commands: [],
    pendingCount: 0,
    openMessageKey: null,
  });
  const [connection, setConnection] = useState<ConnectionState>("loading");
  const [loadingOlder, setLoadingOlder] = useState(false);
  const onPortalEventRef = useRef(onPortalEvent);
  onPortalEventRef.current = onPortalEvent;
  const onAccessRef = useRef(onAccess);
  onAccessRef.current = onAccess;
  // Everything loaded, in index order: older history is merged in front and the transcript rebuilt.
  const loaded = useRef<{ events: StreamEvent[]; state: TranscriptState; firstIndex: number; firstItemIndex: number; liveStatus: StoredSessionStatus | null }>({
    events: [],
    state: transcriptOf([]),
    firstIndex: 1,
    firstItemIndex: FIRST_ITEM_BASE,
    liveStatus: null,
  });
  const initialCount = useRef(eventCount);
  const readingOlder = useRef(false);

  useEffect(() => {
    const store = loaded.current;
    let queue: StreamEvent[] = [];
    let frame: number | null = null;
    let wait: ReturnType<typeof setTimeout> | null = null;
    let lastFlush = 0;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    const abort = new AbortController();

    const schedule = () => {
      if (frame !== null || wait !== null) return;
      const delay = lastFlush + MIN_FLUSH_GAP_MS - performance.now();
      if (delay <= 0) {
        frame = requestAnimationFrame(flush);
        return;
      }
      wait = setTimeout(() => {
        wait = null;
        frame = requestAnimationFrame(flush);
      }, delay);
    };

    const flush = () => {
      frame = null;
      lastFlush = performance.now();
      const events = queue.filter((event) => event.index > store.state.lastIndex);
      queue = [];
      if (events.length === 0) return;
      store.events.push(...events);
      applyEvents(store.state, events);
      for (const event of events) {
        const payload = event.payload as { type?: string; status?: StoredSessionStatus };
        if (event.sender !== "portal") continue;
        if (payload.type === "status" && payload.status) store.liveStatus = payload.status;
        if (payload.type === "turn_ended") store.liveStatus = "idle";
      }
      setSnapshot(snapshotOf(store.state, store.firstIndex, store.liveStatus, store.firstItemIndex));
      const portalTypes = new Set(events.filter((event) => event.sender === "portal").map((event) => (event.payload as { type?: string }).type ?? ""));
      for (const type of portalTypes) onPortalEventRef.current?.(type);
    };

    const close = () => {
      source?.close();
      source = null;
      if (retry) clearTimeout(retry);
      retry = null;
    };

    const open = () => {
      if (stopped) return;
      close();
      // Resume after what this view already has (queued events included): no gap, no duplicate.
      const after = Math.max(store.state.lastIndex, queue.at(-1)?.index ?? 0);
      const current = new EventSource(`${apiBase}/stream?after=${after}`);
      source = current;
      current.addEventListener("open", () => setConnection("live"));
      current.addEventListener("event", (message) => {
        queue.push(JSON.parse((message as MessageEvent<string>).data) as StreamEvent);
        schedule();
      });
      current.addEventListener("access", (message) => {
        onAccessRef.current?.(JSON.parse((message as MessageEvent<string>).data) as StreamAccess);
      });
      current.addEventListener("revoked", () => {
        // Removed from the team (or the token revoked): reconnecting would only be refused.
        stopped = true;
        close();
        setConnection("ended");
      });
      current.addEventListener("error", () => {
        if (source !== current) return;
        setConnection(navigator.onLine ? "reconnecting" : "offline");
        // CONNECTING: the browser retries by itself with Last-Event-ID. CLOSED: it gave up (an
        // error answer), so we try again, resuming from what we have.
        if (current.readyState === EventSource.CLOSED) {
          close();
          retry = setTimeout(open, RETRY_MS);
        }
      });
    };

    const onOffline = () => {
      close();
      setConnection("offline");
    };
    const onOnline = () => {
      setConnection("reconnecting");
      open();
    };

    const start = async () => {
      const count = initialCount.current;
      const after = loadAll ? 0 : Math.max(0, count - TAIL_EVENTS);
      try {
        const events = count === 0 ? [] : await readRange(apiBase, after, count - after, abort.signal);
        if (stopped) return;
        store.events = events;
        store.state = transcriptOf(events);
        store.firstIndex = events[0]?.index ?? after + 1;
        setSnapshot(snapshotOf(store.state, store.firstIndex, null, store.firstItemIndex));
      } catch {
        if (stopped) return;
        // The history read failed: the stream replays it instead (slower, but nothing is missing).
      }
      setConnection("connecting");
      window.addEventListener("offline", onOffline);
      window.addEventListener("online", onOnline);
      if (navigator.onLine) open();
      else setConnection("offline");
    };
    void start();
    return () => {
      stopped = true;
      abort.abort();
      close();
      if (frame !== null) cancelAnimationFrame(frame);
      if (wait !== null) clearTimeout(wait);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
    };
  }, [sessionId, apiBase, loadAll]);

  /** Reads the events before the oldest loaded and rebuilds the transcript; returns the items added. */
  const loadOlder = useCallback(async () => {
    const store = loaded.current;
    if (store.firstIndex <= 1 || readingOlder.current) return 0;
    readingOlder.current = true;
    setLoadingOlder(true);
    try {
      const after = Math.max(0, store.firstIndex - 1 - TAIL_EVENTS);
      const older = await readRange(apiBase, after, store.firstIndex - 1 - after);
      const before = store.state.items.length;
      store.events = [...older, ...store.events];
      const rebuilt = transcriptOf(store.events);
      store.state = rebuilt;
      store.firstIndex = after + 1;
      store.firstItemIndex -= rebuilt.items.length - before;
      setSnapshot(snapshotOf(rebuilt, store.firstIndex, store.liveStatus, store.firstItemIndex));
      return rebuilt.items.length - before;
    } finally {
      readingOlder.current = false;
      setLoadingOlder(false);
    }
  }, [apiBase]);

  return { ...snapshot, connection, loadOlder, loadingOlder };
}

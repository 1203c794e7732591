"use client";

import { useEffect, useRef, useState } from "react";
import { applyEvents, emptyTranscript, type StreamEvent, type TranscriptState } from "@/components/session/transcript-model";

// The session view's one live connection: EventSource with automatic resume (the browser sends
// Last-Event-ID), events merged into the transcript once per animation frame, and a visible state.

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

export interface TranscriptSnapshot {
  items: TranscriptState["items"];
  lastIndex: number;
  status: string | null;
  usage: TranscriptState["usage"];
  /** Key of the agent message still receiving chunks, if any. */
  openMessageKey: string | null;
}

const RETRY_MS = 2_000;

export function useSessionStream(sessionId: string, onPortalEvent?: (type: string) => void) {
  const [snapshot, setSnapshot] = useState<TranscriptSnapshot>({ items: [], lastIndex: 0, status: null, usage: null, openMessageKey: null });
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const onPortalEventRef = useRef(onPortalEvent);
  onPortalEventRef.current = onPortalEvent;

  useEffect(() => {
    const state = emptyTranscript();
    let queue: StreamEvent[] = [];
    let frame: number | null = null;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;

    const flush = () => {
      frame = null;
      const events = queue;
      queue = [];
      applyEvents(state, events);
      const open = state.openMessage === null ? null : (state.items[state.openMessage]?.key ?? null);
      setSnapshot({ items: [...state.items], lastIndex: state.lastIndex, status: state.status, usage: state.usage, openMessageKey: open });
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
      const after = Math.max(state.lastIndex, queue.at(-1)?.index ?? 0);
      const current = new EventSource(`/api/sessions/${sessionId}/stream?after=${after}`);
      source = current;
      current.addEventListener("open", () => setConnection("live"));
      current.addEventListener("event", (message) => {
        queue.push(JSON.parse((message as MessageEvent<string>).data) as StreamEvent);
        frame ??= requestAnimationFrame(flush);
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

    // The browser knows before the socket does: drop the stream now and resume the moment it is back.
    const onOffline = () => {
      close();
      setConnection("offline");
    };
    const onOnline = () => {
      setConnection("reconnecting");
      open();
    };
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    if (navigator.onLine) open();
    else setConnection("offline");
    return () => {
      stopped = true;
      close();
      if (frame !== null) cancelAnimationFrame(frame);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
    };
  }, [sessionId]);

  return { ...snapshot, connection };
}

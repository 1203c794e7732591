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
}

export function useSessionStream(sessionId: string, onPortalEvent?: (type: string) => void) {
  const [snapshot, setSnapshot] = useState<TranscriptSnapshot>({ items: [], lastIndex: 0, status: null, usage: null });
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
      setSnapshot({ items: [...state.items], lastIndex: state.lastIndex, status: state.status, usage: state.usage });
      const portalTypes = new Set(events.filter((event) => event.sender === "portal").map((event) => (event.payload as { type?: string }).type ?? ""));
      for (const type of portalTypes) onPortalEventRef.current?.(type);
    };

    const open = () => {
      if (stopped) return;
      // A fresh EventSource resumes from what this view already has.
      source = new EventSource(`/api/sessions/${sessionId}/stream?after=${state.lastIndex}`);
      source.addEventListener("open", () => setConnection("live"));
      source.addEventListener("event", (message) => {
        queue.push(JSON.parse((message as MessageEvent<string>).data) as StreamEvent);
        frame ??= requestAnimationFrame(flush);
      });
      source.addEventListener("error", () => {
        if (!source || source.readyState === EventSource.CLOSED) {
          // The browser gave up (the server answered an error); try again ourselves.
          source?.close();
          setConnection(navigator.onLine ? "reconnecting" : "offline");
          retry = setTimeout(open, 2_000);
        } else {
          setConnection(navigator.onLine ? "reconnecting" : "offline");
        }
      });
    };
    const onOffline = () => setConnection("offline");
    const onOnline = () => {
      if (source?.readyState === EventSource.OPEN) setConnection("live");
      else setConnection("reconnecting");
    };
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    open();
    return () => {
      stopped = true;
      source?.close();
      if (retry) clearTimeout(retry);
      if (frame !== null) cancelAnimationFrame(frame);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
    };
  }, [sessionId]);

  return { ...snapshot, connection };
}

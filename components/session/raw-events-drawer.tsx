"use client";

import { useEffect, useRef, useState } from "react";
import { readEventRange } from "@/components/api-client";
import type { StreamEvent } from "@/components/session/transcript-model";

export interface RawRequest {
  title: string;
  /** The events of one item; null: the newest events of the whole session. */
  indexes: number[] | null;
}

const STREAM_WINDOW = 200;
/** An item made of more events than this (a very long message) shows its first ones. */
const MAX_ITEM_EVENTS = 2_000;

/** The stored JSON of an item's events, or the session's newest events: copyable, one click away. */
export function RawEventsDrawer({
  sessionId,
  request,
  lastIndex,
  onClose,
}: {
  sessionId: string;
  request: RawRequest;
  lastIndex: number;
  onClose: () => void;
}) {
  const [events, setEvents] = useState<StreamEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let stopped = false;
    const wanted = request.indexes ? new Set(request.indexes.slice(0, MAX_ITEM_EVENTS)) : null;
    const from = wanted ? Math.min(...wanted) - 1 : Math.max(0, lastIndex - STREAM_WINDOW);
    const to = wanted ? Math.max(...wanted) : lastIndex;
    void readEventRange(`/api/sessions/${sessionId}`, { after: from, count: Math.min(to - from, MAX_ITEM_EVENTS * 2) }).then((read) => {
      if (stopped) return;
      if (!read.ok) setError("The events could not be read.");
      else setEvents(wanted ? read.data.filter((event) => wanted.has(event.index)) : read.data);
    });
    return () => {
      stopped = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the stream's newest index at opening is the window; later events need a reopen
  }, [sessionId, request]);

  useEffect(() => {
    panel.current?.focus();
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onClose]);

  const json = events ? JSON.stringify(events, null, 2) : "";
  return (
    <div className="drawer-backdrop" onClick={onClose}>
      <div
        className="drawer"
        role="dialog"
        aria-modal="true"
        aria-label={request.title}
        ref={panel}
        tabIndex={-1}
        onClick={(event) => event.stopPropagation()}
        data-testid="raw-events-drawer"
      >
        <div className="drawer-head">
          <h2 className="drawer-title">{request.title}</h2>
          <div className="row">
            <button
              type="button"
              className="button small"
              disabled={!events}
              onClick={async () => {
                await navigator.clipboard?.writeText(json).catch(() => undefined);
                setCopied(true);
              }}
              data-testid="copy-raw"
            >
              {copied ? "Copied" : "Copy JSON"}
            </button>
            <button type="button" className="button small ghost" onClick={onClose} data-testid="close-raw">
              Close
            </button>
          </div>
        </div>
        <p className="muted small drawer-note">
          {request.indexes
            ? `${request.indexes.length.toLocaleString("en")} stored event${request.indexes.length === 1 ? "" : "s"}, as the runtime and the portal wrote them.`
            : `The newest ${STREAM_WINDOW} events of this session, as stored.`}
        </p>
        {error && <p className="form-error">{error}</p>}
        {!events && !error && (
          <p className="muted">
            <span className="spinner" aria-hidden /> Reading events…
          </p>
        )}
        {events && (
          <pre className="raw-json" data-testid="raw-json" tabIndex={0}>
            {json}
          </pre>
        )}
      </div>
    </div>
  );
}

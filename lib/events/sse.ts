import "server-only";
import { db } from "@/lib/db/client";
import { liveHub } from "@/lib/events/live-hub";
import { watchingRole, type Role } from "@/lib/teams/membership";
import { logger } from "@/lib/log";
import type { StoredEvent } from "@/lib/events/types";

const log = logger("events");

// One viewer's event stream: subscribe to live events first, then send the stored backlog after the
// resume point, then the live events, sending only the index right after the last one sent — so the
// seam between backlog and live has no gap and no duplicate. The backlog is read at the viewer's
// pace; live events are pushed, and a viewer that lets too much pile up is cut off (its EventSource
// resumes from the database by Last-Event-ID), so it never holds up the writer or other viewers.

const BACKLOG_PAGE = 500;
const PING_MS = 15_000;
// Tells EventSource to come back quickly after the server ends a stream (slow viewer, restart).
const RETRY_MS = 1_000;
// Backlog pages are read only while less than this is waiting for the viewer.
const BACKLOG_HIGH_WATER_BYTES = 256 * 1024;
// A viewer with more than this waiting is disconnected (about 3,500 streamed chunks).
export const MAX_QUEUED_BYTES = 1024 * 1024;
// Live events held while the backlog is being read; past this they are dropped and re-read.
const MAX_PENDING_LIVE = 10_000;

const encoder = new TextEncoder();
const PRELUDE = encoder.encode(`retry: ${RETRY_MS}\n\n`);
const PING = encoder.encode(": ping\n\n");
// Told to the viewer before the stream closes for good (membership or token gone): do not reconnect.
const REVOKED = encoder.encode("event: revoked\ndata: {}\n\n");

/** The viewer's role changed: the page derives what it may offer them from the role (lib/contract/roles.ts). */
function accessFrame(role: Role) {
  return encoder.encode(`event: access\ndata: ${JSON.stringify({ role })}\n\n`);
}

// Every viewer of a session gets the same event objects from the hub: encode each once.
const encodedEvents = new WeakMap<StoredEvent, string>();
const encodedBatches = new WeakMap<StoredEvent[], Uint8Array>();

export function encodeEvent(event: StoredEvent) {
  let text = encodedEvents.get(event);
  if (text === undefined) {
    text = `id: ${event.index}\nevent: event\ndata: ${JSON.stringify(event)}\n\n`;
    encodedEvents.set(event, text);
  }
  return text;
}

function encodeBatch(events: StoredEvent[]) {
  let bytes = encodedBatches.get(events);
  if (!bytes) {
    bytes = encoder.encode(events.map(encodeEvent).join(""));
    encodedBatches.set(events, bytes);
  }
  return bytes;
}

/**
 * One page of stored events after `after`, already as SSE frames. PostgreSQL renders the event JSON
 * (the same fields and values as the events API) so a replay neither parses nor re-serialises payloads.
 */
async function readBacklogFrames({ sessionId, after, limit }: { sessionId: string; after: number; limit: number }) {
  const [page] = await db().$queryRaw<Array<{ count: number; last: number | null; frames: string | null }>>`
    SELECT count(*)::int AS count, max(index) AS last,
           string_agg('id: ' || index || E'\nevent: event\ndata: ' || json_build_object(
             'index', index,
             'sender', sender,
             'createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'payload', payload)::text || E'\n\n', '' ORDER BY index) AS frames
    FROM (SELECT index, sender, created_at, payload FROM events
          WHERE session_id = ${sessionId} AND index > ${after} ORDER BY index LIMIT ${limit}) AS page`;
  return { count: page?.count ?? 0, last: page?.last ?? after, frames: page?.frames ?? "" };
}

export interface EventStreamInput {
  sessionId: string;
  /** The viewer and the session's team: the stream closes when the membership goes. */
  userId: string;
  teamId: string;
  /** The personal token the stream was opened with: the stream closes when it is revoked. */
  tokenId?: string;
  /** Index of the last event the viewer has; the stream starts at the next one. */
  after: number;
  signal: AbortSignal;
}

export function eventStream({ sessionId, userId, tokenId, teamId, after, signal }: EventStreamInput): ReadableStream<Uint8Array> {
  let controller: ReadableStreamDefaultController<Uint8Array>;
  let lastSent = after;
  let closed = false;
  let catchingUp = false;
  let accessConfirmed = false;
  let pendingLive: StoredEvent[] = [];
  let pendingOverflowed = false;
  let roomWaiter: (() => void) | null = null;
  let unsubscribe = () => {};
  let ping: NodeJS.Timeout | null = null;

  const release = () => {
    closed = true;
    unsubscribe();
    if (ping) clearInterval(ping);
    ping = null;
    pendingLive = [];
    signal.removeEventListener("abort", onAbort);
    roomWaiter?.();
    roomWaiter = null;
  };

  /** Ends the stream; `error` drops what is queued and resets the connection at once. */
  const close = (how: "end" | "error" = "end") => {
    if (closed) return;
    release();
    try {
      // Named AbortError so Next resets the connection without logging a failed pipe.
      if (how === "error") controller.error(new DOMException("The viewer fell too far behind", "AbortError"));
      else controller.close();
    } catch {
      // the viewer already went away
    }
  };
  const onAbort = () => close();
  const revoke = () => {
    if (closed) return;
    try {
      controller.enqueue(REVOKED);
    } catch {
      // the viewer already went away
    }
    close();
  };

  const queuedBytes = () => BACKLOG_HIGH_WATER_BYTES - (controller.desiredSize ?? 0);

  /**
   * Sends the events that follow `lastSent`, in order. Returns false at a gap (an index missing in
   * front of the next one): the caller re-reads from the database, which has every announced event.
   */
  const send = (events: StoredEvent[]): boolean => {
    if (closed || events.length === 0) return true;
    let chunk: Uint8Array | null = null;
    if (events[0]!.index === lastSent + 1 && events.at(-1)!.index === lastSent + events.length) {
      chunk = encodeBatch(events);
      lastSent = events.at(-1)!.index;
    } else {
      let text = "";
      for (const event of events) {
        if (event.index <= lastSent) continue;
        if (event.index !== lastSent + 1) {
          if (text) controller.enqueue(encoder.encode(text));
          return false;
        }
        text += encodeEvent(event);
        lastSent = event.index;
      }
      if (text) chunk = encoder.encode(text);
    }
    if (chunk) controller.enqueue(chunk);
    return true;
  };

  const waitForRoom = () => ((controller.desiredSize ?? 0) > 0 || closed ? Promise.resolve() : new Promise<void>((resolve) => (roomWaiter = resolve)));

  const catchUp = async () => {
    catchingUp = true;
    if (!accessConfirmed) {
      // The membership may have gone between the route's check and the subscription.
      if (!(await watchingRole({ teamId, userId }))) return revoke();
      accessConfirmed = true;
    }
    for (;;) {
      for (;;) {
        await waitForRoom();
        if (closed) return;
        const page = await readBacklogFrames({ sessionId, after: lastSent, limit: BACKLOG_PAGE });
        if (closed) return;
        // Stored indexes are dense; were there a hole, it is shown as it is rather than retried forever.
        if (page.count > 0) {
          controller.enqueue(encoder.encode(page.frames));
          lastSent = page.last;
        }
        if (page.count < BACKLOG_PAGE) break;
      }
      // From here to the end of the settlement nothing else runs, so no live event slips between.
      const live = pendingLive;
      const overflowed = pendingOverflowed;
      pendingLive = [];
      pendingOverflowed = false;
      if (!overflowed && send(live)) {
        catchingUp = false;
        return;
      }
    }
  };
  const startCatchUp = () => {
    if (catchingUp || closed) return;
    catchUp().catch(() => close());
  };

  return new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        if (signal.aborted) return close();
        signal.addEventListener("abort", onAbort, { once: true });
        unsubscribe = liveHub().subscribe(sessionId, {
          userId,
          teamId,
          tokenId,
          onEvents(events) {
            if (closed) return;
            if (catchingUp) {
              if (pendingOverflowed) return;
              pendingLive.push(...events);
              if (pendingLive.length > MAX_PENDING_LIVE) {
                pendingLive = [];
                pendingOverflowed = true;
              }
              return;
            }
            if (!send(events)) return startCatchUp();
            if (queuedBytes() > MAX_QUEUED_BYTES) {
              log.warn({ sessionId, behindBytes: queuedBytes() }, "a viewer fell behind: disconnected, it resumes from the database");
              close("error");
            }
          },
          onResync() {
            if (catchingUp) pendingOverflowed = true;
            else startCatchUp();
          },
          onRevoked() {
            revoke();
          },
          onRoleChanged(role) {
            if (!closed) controller.enqueue(accessFrame(role));
          },
        });
        ping = setInterval(() => {
          if (!closed) controller.enqueue(PING);
        }, PING_MS);
        controller.enqueue(PRELUDE);
        startCatchUp();
      },
      pull() {
        const waiter = roomWaiter;
        roomWaiter = null;
        waiter?.();
      },
      cancel() {
        release();
      },
    },
    { highWaterMark: BACKLOG_HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
  );
}

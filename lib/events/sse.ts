import "server-only";
import { liveHub } from "@/lib/events/live-hub";
import { listEventsAfter } from "@/lib/events/queries";
import type { StoredEvent } from "@/lib/events/types";

// One viewer's event stream: subscribe to live events first, then send the stored backlog after the
// resume point, then the live events, dropping anything at or below what was already sent — so the
// seam between backlog and live has no gap and no duplicate. A viewer that does not keep up is
// disconnected once its buffer is full; its EventSource resumes from the database by Last-Event-ID.

const PAGE = 500;
const PING_MS = 15_000;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_PENDING_LIVE = 20_000;

export function encodeEvent(event: StoredEvent) {
  return `id: ${event.index}\nevent: event\ndata: ${JSON.stringify(event)}\n\n`;
}

export function eventStream({ sessionId, after, signal }: { sessionId: string; after: number; signal: AbortSignal }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let lastSent = after;
  let pendingLive: StoredEvent[] = [];
  let catchingUp = true;
  let resyncWanted = false;
  let closed = false;
  let unsubscribe = () => {};
  let ping: NodeJS.Timeout | null = null;

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const close = () => {
          if (closed) return;
          closed = true;
          unsubscribe();
          if (ping) clearInterval(ping);
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        };
        signal.addEventListener("abort", close, { once: true });

        const send = (events: StoredEvent[]) => {
          if (closed) return;
          let chunk = "";
          for (const event of events) {
            if (event.index <= lastSent) continue;
            chunk += encodeEvent(event);
            lastSent = event.index;
          }
          if (!chunk) return;
          controller.enqueue(encoder.encode(chunk));
          // desiredSize goes negative by what the viewer has not read yet.
          if ((controller.desiredSize ?? 0) < -MAX_BUFFERED_BYTES) close();
        };

        const catchUp = async () => {
          catchingUp = true;
          do {
            resyncWanted = false;
            for (;;) {
              const page = await listEventsAfter({ sessionId, after: lastSent, limit: PAGE });
              if (closed) return;
              send(page);
              if (page.length < PAGE) break;
            }
          } while (resyncWanted && !closed);
          catchingUp = false;
          const live = pendingLive;
          pendingLive = [];
          if (live.length > 0 && live[0]!.index > lastSent + 1) {
            // Live events that start past what the database gave us: read the seam again.
            pendingLive = live;
            void catchUpSafely();
            return;
          }
          send(live);
        };
        const catchUpSafely = () => catchUp().catch(() => close());

        unsubscribe = liveHub().subscribe(sessionId, {
          onEvents(events) {
            if (closed) return;
            if (catchingUp) {
              pendingLive.push(...events);
              if (pendingLive.length > MAX_PENDING_LIVE) close();
              return;
            }
            if (events[0] && events[0].index > lastSent + 1) {
              pendingLive.push(...events);
              void catchUpSafely();
              return;
            }
            send(events);
          },
          onResync() {
            if (catchingUp) resyncWanted = true;
            else void catchUpSafely();
          },
        });
        ping = setInterval(() => {
          if (!closed) controller.enqueue(encoder.encode(": ping\n\n"));
        }, PING_MS);
        controller.enqueue(encoder.encode(": connected\n\n"));
        void catchUpSafely();
      },
      cancel() {
        closed = true;
        unsubscribe();
        if (ping) clearInterval(ping);
      },
    },
    { highWaterMark: MAX_BUFFERED_BYTES, size: (chunk) => chunk.byteLength },
  );
}

import "server-only";
import { listEventsAfter } from "@/lib/events/queries";
import { liveHub } from "@/lib/events/live-hub";
import type { StoredEvent } from "@/lib/events/types";
import { shareStillValid, shareStreamKey } from "@/lib/shares/shares";

// The live transcript behind a share link: the session's stored events after the resume point, then
// new ones as they commit (the live hub wakes the stream; the database is read, so nothing is missed
// or doubled), each redacted. The stream ends at once when the link is revoked (announced on every
// instance) and soon after it expires.

const PAGE = 500;
const PING_MS = 15_000;
const RECHECK_MS = 5_000;
const encoder = new TextEncoder();

export function shareEventStream({
  shareId,
  sessionId,
  teamId,
  after,
  redact,
  signal,
}: {
  shareId: string;
  sessionId: string;
  teamId: string;
  after: number;
  redact: (value: unknown) => unknown;
  signal: AbortSignal;
}) {
  let lastSent = after;
  let closed = false;
  let reading = false;
  let again = false;
  let unsubscribe = () => {};
  const timers: NodeJS.Timeout[] = [];
  let controller: ReadableStreamDefaultController<Uint8Array>;

  const close = (revoked = false) => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const timer of timers) clearInterval(timer);
    try {
      if (revoked) controller.enqueue(encoder.encode("event: revoked\ndata: {}\n\n"));
      controller.close();
    } catch {
      // the viewer went away
    }
  };

  const frame = (event: StoredEvent) => `id: ${event.index}\nevent: event\ndata: ${JSON.stringify({ ...event, payload: redact(event.payload) })}\n\n`;

  const read = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          if (closed) return;
          const events = await listEventsAfter({ sessionId, after: lastSent, limit: PAGE });
          if (closed || events.length === 0) break;
          controller.enqueue(encoder.encode(events.map(frame).join("")));
          lastSent = events.at(-1)!.index;
          if (events.length < PAGE) break;
        }
      } while (again);
    } catch {
      close();
    } finally {
      reading = false;
    }
  };

  return new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
      controller.enqueue(encoder.encode("retry: 1000\n\n"));
      const key = shareStreamKey(shareId);
      unsubscribe = liveHub().subscribe(sessionId, {
        userId: key,
        teamId,
        tokenId: key,
        onEvents: () => void read(),
        onResync: () => void read(),
        onRevoked: () => close(true),
        onRoleChanged: () => undefined,
      });
      signal.addEventListener("abort", () => close(), { once: true });
      timers.push(setInterval(() => !closed && controller.enqueue(encoder.encode(": ping\n\n")), PING_MS));
      timers.push(
        setInterval(
          () =>
            void shareStillValid(shareId).then(
              (valid) => !valid && close(true),
              () => undefined,
            ),
          RECHECK_MS,
        ),
      );
      void read();
    },
    cancel() {
      close();
    },
  });
}

import "server-only";
import type { AttentionSnapshotJson } from "@/lib/contract/permissions";
import { publicStatus } from "@/lib/contract/sessions";
import { db } from "@/lib/db/client";
import { liveHub } from "@/lib/events/live-hub";
import { countPendingPermissions, listPendingPermissions } from "@/lib/sessions/inbox";
import { inTeamsOf } from "@/lib/teams/membership";

// One signed-in person's "needs you" feed: whenever a session of their teams gets events (on any
// instance, through the hub's NOTIFY fan-out), the pending permissions are re-read and sent as a
// snapshot, with the new status of each session that changed. Every read is scoped by membership,
// so a person who leaves a team stops seeing it at the next snapshot.

const THROTTLE_MS = 400;
const PING_MS = 15_000;
// The stream ends after this long and EventSource reconnects, so auth is checked afresh.
const MAX_LIFETIME_MS = 10 * 60_000;
const SNAPSHOT_ITEMS = 20;
// Instances' clocks differ a little, and a page's data may be read just before its render time.
const CATCH_UP_MARGIN_MS = 5_000;

export async function attentionSnapshot({
  userId,
  changed,
  resync = false,
}: {
  userId: string;
  changed: string[];
  resync?: boolean;
}): Promise<AttentionSnapshotJson> {
  const [count, page, sessions] = await Promise.all([
    countPendingPermissions({ userId }),
    listPendingPermissions({ userId, answerable: true, limit: SNAPSHOT_ITEMS }),
    changed.length === 0
      ? []
      : db().session.findMany({
          where: { id: { in: changed }, ...inTeamsOf(userId) },
          select: {
            id: true,
            teamId: true,
            status: true,
            title: true,
            updatedAt: true,
            createdAt: true,
            archivedAt: true,
            lastStopReason: true,
            _count: { select: { permissions: { where: { status: "pending" } } } },
          },
        }),
  ]);
  return {
    count,
    items: page.items,
    resync,
    sessions: sessions.map((session) => ({
      id: session.id,
      teamId: session.teamId,
      status: publicStatus(session.status, session._count.permissions),
      title: session.title,
      updatedAt: session.updatedAt.toISOString(),
      createdAt: session.createdAt.toISOString(),
      archivedAt: session.archivedAt?.toISOString() ?? null,
      lastStopReason: session.lastStopReason,
    })),
  };
}

const encoder = new TextEncoder();

/**
 * `since`: the time (ms) the viewer's page was rendered, or its last snapshot's id when it reconnects:
 * the first snapshot brings the sessions changed since, or asks the viewer to re-read its lists.
 */
export function attentionStream({
  userId,
  tokenId,
  since,
  signal,
}: {
  userId: string;
  tokenId?: string;
  since: number | null;
  signal: AbortSignal;
}): ReadableStream<Uint8Array> {
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let last = "";
  let resync = false;
  const changed = new Set<string>();
  const cleanups: Array<() => void> = [];

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const close = () => {
        if (closed) return;
        closed = true;
        for (const cleanup of cleanups) cleanup();
        try {
          controller.close();
        } catch {
          // the viewer already went away
        }
      };
      const flush = async () => {
        timer = null;
        if (closed || running) return;
        running = true;
        const ids = [...changed];
        const resyncNow = resync;
        changed.clear();
        resync = false;
        // Read before the snapshot: a viewer that reconnects with this id misses nothing after it.
        const id = Date.now();
        try {
          if (tokenId && !(await db().apiToken.findUnique({ where: { id: tokenId }, select: { id: true } }))) return close();
          const snapshot = await attentionSnapshot({ userId, changed: ids, resync: resyncNow });
          const text = JSON.stringify(snapshot);
          // Nothing new for this person (another team's session, or a chunk that changed no status).
          if (text !== last || snapshot.sessions.length > 0 || resyncNow) {
            last = JSON.stringify({ ...snapshot, sessions: [], resync: false });
            if (!closed) controller.enqueue(encoder.encode(`event: attention\nid: ${id}\ndata: ${text}\n\n`));
          }
        } catch {
          close(); // the client reconnects and gets a fresh snapshot
        } finally {
          running = false;
          if (changed.size > 0 && !closed) schedule();
        }
      };
      const schedule = () => {
        if (!timer && !closed) timer = setTimeout(() => void flush(), THROTTLE_MS);
      };
      signal.addEventListener("abort", close, { once: true });
      cleanups.push(() => signal.removeEventListener("abort", close));
      const hub = liveHub();
      cleanups.push(
        hub.watchAll({
          onChange(sessionId) {
            changed.add(sessionId);
            schedule();
          },
          onResync() {
            resync = true;
            schedule();
          },
        }),
      );
      if (since !== null) {
        const missed = hub.changedSince(since - CATCH_UP_MARGIN_MS);
        if (missed) for (const sessionId of missed) changed.add(sessionId);
        else resync = true;
      }
      // With nothing waiting to be sent, the ping carries an id (the browser takes it as its last
      // event id and dispatches nothing): a quiet feed's reconnect then asks from a recent time, which
      // the hub remembers, instead of from its last snapshot long ago, which would mean a re-read.
      const ping = setInterval(() => {
        if (closed) return;
        const quiet = !running && !resync && changed.size === 0;
        controller.enqueue(encoder.encode(quiet ? `id: ${Date.now()}\n\n` : ": ping\n\n"));
      }, PING_MS);
      const lifetime = setTimeout(close, MAX_LIFETIME_MS);
      cleanups.push(
        () => clearInterval(ping),
        () => clearTimeout(lifetime),
        () => timer && clearTimeout(timer),
      );
      controller.enqueue(encoder.encode("retry: 2000\n\n"));
      void flush();
    },
    cancel() {
      closed = true;
      for (const cleanup of cleanups) cleanup();
    },
  });
}

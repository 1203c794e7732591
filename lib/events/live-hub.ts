import "server-only";
import pg from "pg";
import type { Prisma, Role } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import { listEventsAfter } from "@/lib/events/queries";
import { NOTIFY_CHANNEL, type StoredEvent } from "@/lib/events/types";
import { instanceId } from "@/lib/cluster/identity";
import { watchingRole } from "@/lib/teams/membership";

// Live fan-out. Every batch the writer commits is NOTIFYed with the session and index range; one
// LISTEN connection per portal process reads the rows once per session and hands them to that
// process's viewers. Events written by this process are handed over directly after commit (no
// round trip); notifications from this process are skipped. Access changes (a membership gone, a
// personal token revoked) are NOTIFYed on a second channel so every process closes the streams.

export const ACCESS_CHANNEL = "portal_access";

export interface LiveSubscriber {
  /** Whose stream this is, so a membership change can close it. */
  userId: string;
  teamId: string;
  tokenId?: string;
  onEvents(events: StoredEvent[]): void;
  /** Notifications may have been missed (LISTEN connection lost): re-read from the database. */
  onResync(): void;
  /** The user is no longer a member of the session's team, or the stream's token was revoked. */
  onRevoked(): void;
  /** The user's role in the team changed (the stream stays open; what they may do changed). */
  onRoleChanged(role: Role): void;
}

export interface SessionWatcher {
  onChange(sessionId: string): void;
  /** Changes may have been missed (LISTEN connection lost): lists must be re-read. */
  onResync(): void;
}

interface Notice {
  s: string;
  f: number;
  t: number;
}

const RECONNECT_DELAY_MS = 250;
// How long the hub remembers which sessions changed, for feeds that connect after their page rendered.
const RECENT_MS = 60_000;
const RECONNECT_RETRY_MS = 1_000;

/** Delivered to every process when the transaction that changed access commits. */
async function notifyAccess(tx: Prisma.TransactionClient, change: { t: string; u: string } | { k: string }) {
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, $2)`, ACCESS_CHANNEL, JSON.stringify(change));
}

/** Called inside the transaction that changes a membership. */
export const notifyMembershipChanged = (tx: Prisma.TransactionClient, { teamId, userId }: { teamId: string; userId: string }) =>
  notifyAccess(tx, { t: teamId, u: userId });

/** Called inside the transaction that deletes a personal token: its streams close on every process. */
export const notifyTokenRevoked = (tx: Prisma.TransactionClient, tokenId: string) => notifyAccess(tx, { k: tokenId });

/** Session lists (not transcripts) change without an event, e.g. on archive: every instance's "needs you" feeds are told. */
export const LIST_CHANNEL = "portal_session_list";
export const notifySessionListChanged = (tx: Prisma.TransactionClient, sessionId: string) =>
  tx.$executeRawUnsafe(`SELECT pg_notify($1, $2)`, LIST_CHANNEL, JSON.stringify({ s: sessionId }));

const memberKey = (teamId: string, userId: string) => `${teamId}\u0000${userId}`;

export class LiveHub {
  readonly instanceId = instanceId();
  private bySession = new Map<string, Set<LiveSubscriber>>();
  private byMember = new Map<string, Set<LiveSubscriber>>();
  private byToken = new Map<string, Set<LiveSubscriber>>();
  private client: pg.Client | null = null;
  private readonly channels = new Map<string, { onNotification(payload: string | undefined): void; onResync(): void }>();
  private url: string | null = null;
  private stopped = false;
  private reading = new Map<string, Promise<void>>();
  private watchers = new Set<SessionWatcher>();
  // Each session's last change (this process's clock), oldest first; complete from `recentFrom`.
  private recent = new Map<string, number>();
  private recentFrom = Date.now();

  /** Told the id of every session that got events or left a list, on any instance (the "needs you" feed). */
  watchAll(watcher: SessionWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /**
   * The sessions that changed since `since` (ms), so a feed that connects after its page was rendered,
   * or reconnects, misses nothing in between; null when the hub cannot tell (too long ago, or its
   * LISTEN connection was lost since): the feed's viewers must re-read their lists.
   */
  changedSince(since: number): string[] | null {
    if (since < this.recentFrom) return null;
    return [...this.recent].filter(([, at]) => at >= since).map(([sessionId]) => sessionId);
  }

  private tellWatchers(sessionId: string) {
    const now = Date.now();
    this.recent.delete(sessionId);
    this.recent.set(sessionId, now);
    for (const [oldest, at] of this.recent) {
      if (at >= now - RECENT_MS) break;
      this.recent.delete(oldest);
      this.recentFrom = Math.max(this.recentFrom, at + 1);
    }
    for (const watcher of this.watchers) watcher.onChange(sessionId);
  }

  subscribe(sessionId: string, subscriber: LiveSubscriber): () => void {
    addTo(this.bySession, sessionId, subscriber);
    const key = memberKey(subscriber.teamId, subscriber.userId);
    addTo(this.byMember, key, subscriber);
    if (subscriber.tokenId) addTo(this.byToken, subscriber.tokenId, subscriber);
    return () => {
      removeFrom(this.bySession, sessionId, subscriber);
      removeFrom(this.byMember, key, subscriber);
      if (subscriber.tokenId) removeFrom(this.byToken, subscriber.tokenId, subscriber);
    };
  }

  subscriberCount() {
    let count = 0;
    for (const set of this.bySession.values()) count += set.size;
    return count;
  }

  publishLocal(sessionId: string, events: StoredEvent[]) {
    if (events.length > 0) this.tellWatchers(sessionId);
    this.dispatch(sessionId, events);
  }

  /**
   * Another module's channel on the same LISTEN connection (session commands between instances).
   * Register before start(); `onResync` runs when notifications may have been missed.
   */
  listen(channel: string, listener: { onNotification(payload: string | undefined): void; onResync(): void }) {
    this.channels.set(channel, listener);
    if (this.client) void this.client.query(`LISTEN ${channel}`).catch(() => undefined);
  }

  async start(url: string) {
    this.url = url;
    await this.connect();
  }

  async stop() {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private async connect() {
    if (this.stopped || !this.url) return;
    const client = new pg.Client({ connectionString: this.url, keepAlive: true });
    client.on("notification", (message) => {
      if (message.channel === ACCESS_CHANNEL) void this.onAccessNotification(message.payload);
      else if (message.channel === LIST_CHANNEL) {
        const parsed = parseJson<{ s?: unknown }>(message.payload);
        if (typeof parsed?.s === "string") this.tellWatchers(parsed.s);
      } else if (message.channel === NOTIFY_CHANNEL) this.onEventsNotification(message.payload);
      else this.channels.get(message.channel)?.onNotification(message.payload);
    });
    client.on("error", () => undefined);
    client.on("end", () => {
      if (this.client !== client || this.stopped) return;
      this.client = null;
      setTimeout(() => void this.reconnect(), RECONNECT_DELAY_MS).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    await client.query(`LISTEN ${ACCESS_CHANNEL}`);
    await client.query(`LISTEN ${LIST_CHANNEL}`);
    for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
  }

  private async reconnect() {
    try {
      await this.connect();
    } catch {
      setTimeout(() => void this.reconnect(), RECONNECT_RETRY_MS).unref();
      return;
    }
    // Whatever was NOTIFYed while the connection was down is lost: viewers re-read, access is rechecked.
    this.recentFrom = Date.now();
    for (const watcher of this.watchers) watcher.onResync();
    for (const listener of this.channels.values()) listener.onResync();
    for (const set of this.bySession.values()) for (const subscriber of set) subscriber.onResync();
    for (const key of [...this.byMember.keys()]) {
      const [teamId, userId] = key.split("\u0000") as [string, string];
      void this.recheckMember(teamId, userId);
    }
    for (const tokenId of [...this.byToken.keys()]) void this.recheckToken(tokenId);
  }

  private async recheckToken(tokenId: string) {
    const token = await db()
      .apiToken.findUnique({ where: { id: tokenId }, select: { id: true } })
      .catch(() => null); // cannot confirm access: close, the client reconnects and is checked afresh
    if (!token) revokeAll(this.byToken.get(tokenId));
  }

  private onEventsNotification(payload: string | undefined) {
    const parsed = parseJson<{ i: string; n: Notice[] }>(payload);
    if (!parsed || parsed.i === this.instanceId || !Array.isArray(parsed.n)) return;
    for (const notice of parsed.n) {
      this.tellWatchers(notice.s);
      if (!this.bySession.has(notice.s)) continue;
      // Read per session in notification order so viewers get events in index order.
      const previous = this.reading.get(notice.s) ?? Promise.resolve();
      const next = previous
        .then(async () => {
          if (!this.bySession.has(notice.s)) return;
          const events = await listEventsAfter({ sessionId: notice.s, after: notice.f - 1, limit: notice.t - notice.f + 1 });
          this.dispatch(notice.s, events);
        })
        .catch(() => {
          for (const subscriber of this.bySession.get(notice.s) ?? []) subscriber.onResync();
        });
      this.reading.set(notice.s, next);
      void next.finally(() => {
        if (this.reading.get(notice.s) === next) this.reading.delete(notice.s);
      });
    }
  }

  private async onAccessNotification(payload: string | undefined) {
    const parsed = parseJson<{ t?: unknown; u?: unknown; k?: unknown }>(payload);
    if (typeof parsed?.k === "string") {
      revokeAll(this.byToken.get(parsed.k));
    } else if (typeof parsed?.t === "string" && typeof parsed.u === "string") {
      await this.recheckMember(parsed.t, parsed.u);
    }
  }

  /** Closes the member's streams in the team when the membership is gone; a role change is told to them. */
  private async recheckMember(teamId: string, userId: string) {
    const key = memberKey(teamId, userId);
    if (!this.byMember.has(key)) return;
    let role: Role | null;
    try {
      role = await watchingRole({ teamId, userId });
    } catch {
      role = null; // cannot confirm access: close, the client reconnects and is checked afresh
    }
    if (!role) return revokeAll(this.byMember.get(key));
    for (const subscriber of [...(this.byMember.get(key) ?? [])]) subscriber.onRoleChanged(role);
  }

  private dispatch(sessionId: string, events: StoredEvent[]) {
    const set = this.bySession.get(sessionId);
    if (!set || events.length === 0) return;
    // One macrotask per viewer: its write (a chain of stream promises, then the socket write) finishes
    // before the next viewer's starts, so viewers receive one after another. Handed over in one loop,
    // every viewer's promise chain would interleave and all sockets be written only at its very end.
    // Immediates run in order, so each viewer still gets the batches in commit order.
    for (const subscriber of set) setImmediate(() => subscriber.onEvents(events));
  }
}

/** Closes the streams (a copy: each one unsubscribes itself while this runs). */
function revokeAll(subscribers: Set<LiveSubscriber> | undefined) {
  for (const subscriber of [...(subscribers ?? [])]) subscriber.onRevoked();
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

function parseJson<T>(payload: string | undefined): T | null {
  if (!payload) return null;
  try {
    return JSON.parse(payload) as T;
  } catch {
    return null;
  }
}

const globalHub = globalThis as unknown as { portalLiveHub?: LiveHub };

export function liveHub(): LiveHub {
  globalHub.portalLiveHub ??= new LiveHub();
  return globalHub.portalLiveHub;
}

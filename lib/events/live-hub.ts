import "server-only";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { listEventsAfter } from "@/lib/events/queries";
import { NOTIFY_CHANNEL, type StoredEvent } from "@/lib/events/types";

// Live fan-out. Every batch the writer commits is NOTIFYed with the session and index range; one
// LISTEN connection per portal process reads the rows once per session and hands them to that
// process's viewers. Events written by this process are handed over directly after commit (no
// round trip); notifications from this process are skipped.

export interface LiveSubscriber {
  onEvents(events: StoredEvent[]): void;
  /** Notifications may have been missed (LISTEN connection lost): re-read from the database. */
  onResync(): void;
}

interface Notice {
  s: string;
  f: number;
  t: number;
}

export class LiveHub {
  readonly instanceId = randomUUID();
  private subscribers = new Map<string, Set<LiveSubscriber>>();
  private client: pg.Client | null = null;
  private url: string | null = null;
  private stopped = false;
  private reading = new Map<string, Promise<void>>();

  subscribe(sessionId: string, subscriber: LiveSubscriber): () => void {
    const set = this.subscribers.get(sessionId) ?? new Set();
    set.add(subscriber);
    this.subscribers.set(sessionId, set);
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(sessionId);
    };
  }

  subscriberCount() {
    let count = 0;
    for (const set of this.subscribers.values()) count += set.size;
    return count;
  }

  publishLocal(sessionId: string, events: StoredEvent[]) {
    this.dispatch(sessionId, events);
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
    const client = new pg.Client({ connectionString: this.url });
    client.on("notification", (message) => this.onNotification(message.payload));
    client.on("error", () => undefined);
    client.on("end", () => {
      if (this.client !== client || this.stopped) return;
      this.client = null;
      setTimeout(() => void this.reconnect(), 250).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    this.client = client;
  }

  private async reconnect() {
    try {
      await this.connect();
      for (const set of this.subscribers.values()) for (const subscriber of set) subscriber.onResync();
    } catch {
      setTimeout(() => void this.reconnect(), 1_000).unref();
    }
  }

  private onNotification(payload: string | undefined) {
    if (!payload) return;
    let parsed: { i: string; n: Notice[] };
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    if (parsed.i === this.instanceId) return;
    for (const notice of parsed.n) {
      if (!this.subscribers.has(notice.s)) continue;
      // Read per session in notification order so viewers get events in index order.
      const previous = this.reading.get(notice.s) ?? Promise.resolve();
      const next = previous
        .then(async () => {
          const events = await listEventsAfter({ sessionId: notice.s, after: notice.f - 1, limit: notice.t - notice.f + 1 });
          this.dispatch(notice.s, events);
        })
        .catch(() => {
          for (const subscriber of this.subscribers.get(notice.s) ?? []) subscriber.onResync();
        });
      this.reading.set(notice.s, next);
      void next.finally(() => {
        if (this.reading.get(notice.s) === next) this.reading.delete(notice.s);
      });
    }
  }

  private dispatch(sessionId: string, events: StoredEvent[]) {
    const set = this.subscribers.get(sessionId);
    if (!set || events.length === 0) return;
    for (const subscriber of [...set]) subscriber.onEvents(events);
  }
}

const globalHub = globalThis as unknown as { portalLiveHub?: LiveHub };

export function liveHub(): LiveHub {
  globalHub.portalLiveHub ??= new LiveHub();
  return globalHub.portalLiveHub;
}

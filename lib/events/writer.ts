import "server-only";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { databaseUnavailable } from "@/lib/errors";
import { liveHub } from "@/lib/events/live-hub";
import { NOTIFY_CHANNEL, type EventSender, type StoredEvent } from "@/lib/events/types";

// Write-behind mirroring. Nothing upstream (the SDK, the runtime stream reader, a route) waits on a
// database round trip per event: events are queued in memory and committed in batches. Each batch is
// one transaction that assigns the dense per-session index (by bumping sessions.event_count under the
// row lock, which also serialises writers in other portal processes), inserts the rows with unnest,
// applies the session changes the events imply, merges message text for search, and NOTIFYs viewers.
// Viewers only ever see committed events.

export type SessionStatusValue = "idle" | "running" | "restorable" | "offline" | "destroyed";

export interface SessionEffects {
  status?: SessionStatusValue;
  lastStopReason?: string | null;
  usage?: unknown;
  mode?: string | null;
  model?: string | null;
  thoughtLevel?: string | null;
  modes?: unknown;
  configOptions?: unknown;
  currentTurnId?: string | null;
}

export interface QueuedEvent {
  sessionId: string;
  sender: EventSender;
  payload: unknown;
  createdAt: Date;
  effects?: SessionEffects;
  /** Conversation text carried by this event, merged into the search table. */
  message?: { role: "user" | "agent"; text: string; startsNew: boolean };
  /** Closes the open merged message of the session (end of turn). */
  endsMessage?: boolean;
}

const BATCH_SIZE = 2_000;
const FLUSH_DELAY_MS = 2;
const MAX_RETRY_DELAY_MS = 2_000;
const SEARCH_TEXT_CAP = 200_000;

const EFFECT_COLUMNS: Record<keyof SessionEffects, { column: string; cast: string }> = {
  status: { column: "status", cast: '::"SessionStatus"' },
  lastStopReason: { column: "last_stop_reason", cast: "::text" },
  usage: { column: "usage", cast: "::jsonb" },
  mode: { column: "mode", cast: "::text" },
  model: { column: "model", cast: "::text" },
  thoughtLevel: { column: "thought_level", cast: "::text" },
  modes: { column: "modes", cast: "::jsonb" },
  configOptions: { column: "config_options", cast: "::jsonb" },
  currentTurnId: { column: "current_turn_id", cast: "::text" },
};
const JSON_EFFECTS = new Set<keyof SessionEffects>(["usage", "modes", "configOptions"]);

export class EventWriter {
  private queue: QueuedEvent[] = [];
  private enqueuedSeq = 0;
  private committedSeq = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private retryDelayMs = 50;
  /** Index of the merged message each session is appending to. */
  private openMessage = new Map<string, number>();
  private lastCommitError: string | null = null;
  private pressured = false;
  // Past this many queued events (database away for long), running turns are paused: the agent is
  // cancelled so the queue stops growing; nothing already accepted is dropped.
  constructor(private readonly budget: number) {}

  /** Called once when the queue passes its memory budget (the database has been away too long). */
  onPressure: (() => void) | null = null;

  enqueue(event: QueuedEvent): number {
    this.queue.push(event);
    this.enqueuedSeq += 1;
    if (!this.pressured && this.queue.length >= this.budget) {
      this.pressured = true;
      console.error(`[events] ${this.queue.length} events wait for the database; pausing running turns`);
      this.onPressure?.();
    }
    if (this.queue.length >= BATCH_SIZE) this.kick(0);
    else this.kick(FLUSH_DELAY_MS);
    return this.enqueuedSeq;
  }

  get backlog() {
    return this.queue.length;
  }

  get healthy() {
    return this.lastCommitError === null;
  }

  /** Resolves once everything enqueued so far is committed. */
  flushed(timeoutMs = 15_000): Promise<void> {
    const seq = this.enqueuedSeq;
    if (this.committedSeq >= seq) return Promise.resolve();
    this.kick(0);
    // A request must not wait forever for a database that is away; the events stay queued.
    return new Promise((resolve, reject) => {
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        reject(databaseUnavailable());
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private kick(delayMs: number) {
    if (this.running) return;
    if (delayMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.drain();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.drain();
      }, delayMs);
    }
  }

  private async drain() {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH_SIZE);
        try {
          const published = await this.commit(batch);
          this.queue.splice(0, batch.length);
          this.committedSeq += batch.length;
          this.retryDelayMs = 50;
          this.lastCommitError = null;
          if (this.pressured && this.queue.length < this.budget / 2) this.pressured = false;
          for (const [sessionId, events] of published) liveHub().publishLocal(sessionId, events);
          this.releaseWaiters();
        } catch (error) {
          // The batch stays queued; nothing is dropped. Back off and try again (database restarting).
          const message = error instanceof Error ? error.message : String(error);
          if (this.lastCommitError !== message) console.error(`[events] commit failed, retrying: ${message}`);
          this.lastCommitError = message;
          await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
          this.retryDelayMs = Math.min(this.retryDelayMs * 2, MAX_RETRY_DELAY_MS);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private releaseWaiters() {
    const ready = this.waiters.filter((waiter) => waiter.seq <= this.committedSeq);
    this.waiters = this.waiters.filter((waiter) => waiter.seq > this.committedSeq);
    for (const waiter of ready) waiter.resolve();
  }

  private async commit(batch: QueuedEvent[]): Promise<Map<string, StoredEvent[]>> {
    const bySession = new Map<string, QueuedEvent[]>();
    for (const event of batch) {
      const list = bySession.get(event.sessionId) ?? [];
      list.push(event);
      bySession.set(event.sessionId, list);
    }
    const openMessage = new Map(this.openMessage);

    const published = await db().$transaction(
      async (tx) => {
        const rows = { sessionIds: [] as string[], indexes: [] as number[], senders: [] as string[], createdAts: [] as string[], payloads: [] as string[] };
        const messages = new Map<string, { sessionId: string; index: number; role: string; text: string }>();
        const notices: Array<{ s: string; f: number; t: number }> = [];
        const out = new Map<string, StoredEvent[]>();

        for (const [sessionId, events] of bySession) {
          const effects = mergeEffects(events);
          const params: unknown[] = [sessionId, events.length];
          const sets = ['event_count = event_count + $2', "updated_at = now()"];
          for (const [key, value] of Object.entries(effects) as Array<[keyof SessionEffects, unknown]>) {
            const { column, cast } = EFFECT_COLUMNS[key];
            params.push(value === null || value === undefined ? null : JSON_EFFECTS.has(key) ? JSON.stringify(value) : value);
            sets.push(`${column} = $${params.length}${cast}`);
          }
          const updated = await tx.$queryRawUnsafe<Array<{ event_count: number }>>(
            `UPDATE sessions SET ${sets.join(", ")} WHERE id = $1 RETURNING event_count`,
            ...params,
          );
          const total = updated[0]?.event_count;
          if (total === undefined) continue; // the session was deleted (failed create); its events go with it
          let index = total - events.length;
          const stored: StoredEvent[] = [];
          for (const event of events) {
            index += 1;
            const payloadJson = toJsonb(event.payload);
            rows.sessionIds.push(sessionId);
            rows.indexes.push(index);
            rows.senders.push(event.sender);
            rows.createdAts.push(event.createdAt.toISOString());
            rows.payloads.push(payloadJson);
            stored.push({ index, sender: event.sender, createdAt: event.createdAt.toISOString(), payload: event.payload });
            if (event.message && event.message.text) {
              let start = openMessage.get(sessionId);
              if (start === undefined || event.message.startsNew) {
                start = index;
                openMessage.set(sessionId, start);
              }
              const key = `${sessionId}:${start}`;
              const merged = messages.get(key) ?? { sessionId, index: start, role: event.message.role, text: "" };
              if (merged.text.length < SEARCH_TEXT_CAP) merged.text += event.message.text;
              messages.set(key, merged);
              if (event.message.role === "user") openMessage.delete(sessionId);
            }
            if (event.endsMessage) openMessage.delete(sessionId);
          }
          notices.push({ s: sessionId, f: total - events.length + 1, t: total });
          out.set(sessionId, stored);
        }

        if (rows.indexes.length > 0) {
          await tx.$executeRawUnsafe(
            `INSERT INTO events (session_id, index, sender, created_at, payload)
             SELECT * FROM unnest($1::text[], $2::int[], $3::"EventSender"[], $4::timestamptz[], $5::jsonb[])`,
            rows.sessionIds,
            rows.indexes,
            rows.senders,
            rows.createdAts,
            rows.payloads,
          );
        }
        if (messages.size > 0) {
          const list = [...messages.values()];
          await tx.$executeRawUnsafe(
            `INSERT INTO messages (session_id, index, role, text)
             SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[])
             ON CONFLICT (session_id, index) DO UPDATE SET text = left(messages.text || EXCLUDED.text, ${SEARCH_TEXT_CAP})
             WHERE length(messages.text) < ${SEARCH_TEXT_CAP}`,
            list.map((message) => message.sessionId),
            list.map((message) => message.index),
            list.map((message) => message.role),
            list.map((message) => stripNul(message.text)),
          );
        }
        for (const chunk of chunked(notices, 60)) {
          await tx.$executeRawUnsafe(`SELECT pg_notify($1, $2)`, NOTIFY_CHANNEL, JSON.stringify({ i: liveHub().instanceId, n: chunk }));
        }
        return out;
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
    this.openMessage = openMessage;
    return published;
  }
}

function mergeEffects(events: QueuedEvent[]): SessionEffects {
  const merged: SessionEffects = {};
  for (const event of events) if (event.effects) Object.assign(merged, event.effects);
  return merged;
}

function chunked<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// PostgreSQL text and jsonb cannot hold NUL; an agent that prints one must not stall the queue.
function stripNul(text: string) {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}

function toJsonb(payload: unknown): string {
  const json = JSON.stringify(payload ?? null);
  return json.includes("\\u0000") ? json.replaceAll("\\u0000", "\\uFFFD") : json;
}

const globalWriter = globalThis as unknown as { portalEventWriter?: EventWriter };

export function eventWriter(): EventWriter {
  globalWriter.portalEventWriter ??= new EventWriter(env().PORTAL_EVENT_QUEUE_BUDGET);
  return globalWriter.portalEventWriter;
}

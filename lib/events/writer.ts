import "server-only";
import { db, preparedStatement } from "@/lib/db/client";
import { columnArrays, StatementParams } from "@/lib/db/statement-params";
import { env } from "@/lib/env";
import { databaseUnavailable, isDataRejected } from "@/lib/errors";
import { toJsonb } from "@/lib/events/jsonb";
import { nextBatch, type Lane as EventLane } from "@/lib/events/lanes";
import { liveHub } from "@/lib/events/live-hub";
import { logger } from "@/lib/log";
import { MergedMessages, type MessageEvent } from "@/lib/events/merged-messages";
import { NOTIFY_CHANNEL, type EventSender, type PortalEventPayload, type SessionEffects, type StoredEvent } from "@/lib/events/types";

// Write-behind mirroring. Nothing upstream (the SDK, the runtime stream reader, a route) waits on a
// database round trip per event: events are queued in memory and committed in batches (group commit:
// an idle writer commits at once; whatever arrives during a commit goes into the next batch). Each
// batch is ONE statement, so one round trip, and atomic: it assigns the dense per-session index by
// bumping sessions.event_count under the row lock (which also serialises writers in other portal
// processes), applies the session changes the events imply, inserts the rows, writes the merged
// message text that is due (lib/events/merged-messages.ts) and NOTIFYs viewers on commit.
// Viewers only ever see committed events.

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
  /** A session change of the journal (lib/sessions/journal.ts): rows that commit with this event. */
  change?: ChangeRows;
}

/**
 * What a session change writes besides its first event, all in the same statement. A claimed change
 * commits only where its condition holds when the statement runs (nothing of it otherwise):
 * `idle` — the session is idle with no turn and its team runs fewer turns than its cap (counted
 * under the team's advisory lock, so two prompts cannot both take the last one, in any process);
 * `permission` — its permission resolution found the row
 * in the status it expects. A claimed change is committed in a batch of its own.
 */
export interface ChangeRows {
  claim?: "idle" | "permission";
  /** The change has no event (an audit entry alone): the queued event only carries it. */
  silent?: boolean;
  /** Further events of the same change, in order after the first. */
  more?: Array<Pick<QueuedEvent, "payload" | "effects" | "endsMessage">>;
  requests?: PermissionRequestRow[];
  resolutions?: PermissionResolutionRow[];
  audit?: SessionAuditRow[];
  /** Told once the change is settled: stored, skipped (claim did not hold, session gone) or refused by PostgreSQL. */
  settle?: (outcome: "stored" | "skipped" | "refused") => void;
}

export interface PermissionRequestRow {
  id: string;
  toolCall: unknown;
  options: unknown;
  createdAt: Date;
}

export interface PermissionResolutionRow {
  id: string;
  /** The status the row must still have; the resolution does nothing otherwise. */
  from: "pending" | "resolved";
  status: "resolved" | "cancelled" | "expired";
  reply: string | null;
  by: string | null;
}

export interface SessionAuditRow {
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  detail?: unknown;
  ip: string | null;
}

const log = logger("events");

const MAX_RETRY_DELAY_MS = 2_000;

// How each session change is applied from the batch's per-session `fx` object: a key that is present
// sets the column (JSON null → SQL NULL), a key that is absent leaves it as it is.
const EFFECT_COLUMNS: Record<keyof SessionEffects, { column: string; json?: true; cast?: string }> = {
  status: { column: "status", cast: '::"SessionStatus"' },
  lastStopReason: { column: "last_stop_reason" },
  usage: { column: "usage", json: true },
  mode: { column: "mode" },
  model: { column: "model" },
  thoughtLevel: { column: "thought_level" },
  modes: { column: "modes", json: true },
  configOptions: { column: "config_options", json: true },
  currentTurnId: { column: "current_turn_id" },
  title: { column: "title" },
  destroyedAt: { column: "destroyed_at", cast: "::timestamptz" },
};

const EFFECT_SETS = Object.entries(EFFECT_COLUMNS)
  .map(([key, { column, json, cast = "" }]) => {
    const value = json ? `NULLIF(b.fx -> '${key}', 'null'::jsonb)` : `(b.fx ->> '${key}')${cast}`;
    return `${column} = CASE WHEN b.fx ? '${key}' THEN ${value} ELSE s.${column} END`;
  })
  .join(",\n      ");

// The batch statement's row sets, one array per column (lib/db/statement-params.ts).
const SESSION_COLUMNS = { id: "text", n: "int", fx: "jsonb", claim: "text" } as const;
const EVENT_COLUMNS = { session_id: "text", offset_in_batch: "int", sender: '"EventSender"', created_at: "timestamptz", payload: "jsonb" } as const;
const MESSAGE_COLUMNS = { session_id: "text", index: "int", offset_in_batch: "int", role: "text", text: "text" } as const;
const REQUEST_COLUMNS = { id: "text", session_id: "text", tool_call: "jsonb", options: "jsonb", created_at: "timestamptz" } as const;
const RESOLUTION_COLUMNS = { id: "text", from_status: "text", status: "text", reply: "text", by: "text" } as const;
const AUDIT_COLUMNS = { session_id: "text", actor_id: "text", action: "text", target_type: "text", target_id: "text", detail: "jsonb", ip: "text" } as const;

// Per session its event count, effects (`fx`) and claim; per event and per merged message a row; the
// journal's rows: permission requests, permission resolutions and audit entries; `max_running_turns`
// is the running turns a team may have (the `idle` claim starts a turn). A claimed session is bumped
// only where the claim holds, and every other row joins `bumped`, so a change whose claim fails leaves
// nothing. The resolutions run first (they are the `permission` claim) and only ever move a row out of
// the status they expect. pg_notify sits in the final select list so it runs once per stored session;
// PostgreSQL delivers the notifications when the statement commits, never for a batch that failed.
const COMMIT_PARAMS = new StatementParams();
const COMMIT_SQL = preparedStatement(
  "portal_commit_batch",
  `
  WITH resolved AS (
    UPDATE permissions p SET
      status = r.status::"PermissionStatus", reply = r.reply, resolved_by = r.by, resolved_at = now()
    FROM ${COMMIT_PARAMS.unnest("resolutions", "r", RESOLUTION_COLUMNS)}
    WHERE p.id = r.id AND p.status = r.from_status::"PermissionStatus"
    RETURNING p.session_id
  ), bumped AS (
    UPDATE sessions s SET
      event_count = s.event_count + b.n,
      -- "Updated" means the last activity: the runtime going away (restorable, offline) is not one.
      updated_at = CASE WHEN b.fx ->> 'status' IN ('restorable', 'offline') THEN s.updated_at ELSE now() END,
      ${EFFECT_SETS}
    FROM ${COMMIT_PARAMS.unnest("sessions", "b", SESSION_COLUMNS)}
    WHERE s.id = b.id AND (
      b.claim IS NULL
      -- CASE: the team's lock is taken only for a claim that could start a turn (prisma/migrations/*_turn_claim_lock).
      OR CASE WHEN b.claim = 'idle' AND s.status = 'idle' AND s.current_turn_id IS NULL
           THEN portal_running_turns_locked(s.team_id) < ${COMMIT_PARAMS.ref("max_running_turns")} ELSE false END
      OR (b.claim = 'permission' AND b.id IN (SELECT session_id FROM resolved)))
    RETURNING s.id, s.event_count - b.n AS before, b.n, s.team_id, s.current_turn_id
  ), inserted AS (
    INSERT INTO events (session_id, index, sender, created_at, payload)
    SELECT e.session_id, u.before + e.offset_in_batch, e.sender, e.created_at, e.payload
    FROM ${COMMIT_PARAMS.unnest("events", "e", EVENT_COLUMNS)}
    JOIN bumped u ON u.id = e.session_id
  ), merged AS (
    INSERT INTO messages (session_id, index, role, text)
    SELECT m.session_id, COALESCE(m.index, u.before + m.offset_in_batch), m.role, m.text
    FROM ${COMMIT_PARAMS.unnest("messages", "m", MESSAGE_COLUMNS)}
    JOIN sessions s ON s.id = m.session_id
    LEFT JOIN bumped u ON u.id = m.session_id
    WHERE m.index IS NOT NULL OR u.id IS NOT NULL
    ON CONFLICT (session_id, index) DO UPDATE SET text = EXCLUDED.text
  ), requested AS (
    INSERT INTO permissions (id, session_id, turn_id, tool_call, options, created_at)
    SELECT q.id, q.session_id, u.current_turn_id, q.tool_call, q.options, q.created_at
    FROM ${COMMIT_PARAMS.unnest("requests", "q", REQUEST_COLUMNS)}
    JOIN bumped u ON u.id = q.session_id
    ON CONFLICT (id) DO NOTHING
  ), audited AS (
    INSERT INTO audit_entries (id, team_id, actor_id, action, target_type, target_id, detail, ip)
    SELECT gen_random_uuid()::text, u.team_id, a.actor_id, a.action, a.target_type, a.target_id, a.detail, a.ip
    FROM ${COMMIT_PARAMS.unnest("audit", "a", AUDIT_COLUMNS)}
    JOIN bumped u ON u.id = a.session_id
  )
  SELECT u.id, u.before,
         CASE WHEN u.n > 0 THEN pg_notify(${COMMIT_PARAMS.ref("channel")}, json_build_object('i', ${COMMIT_PARAMS.ref("instance", "::text")}, 'n', json_build_array(json_build_object(
           's', u.id, 'f', u.before + 1, 't', u.before + u.n)))::text) IS NULL END AS notified
  FROM bumped u`,
);

/** The journal's rows of a batch (lib/sessions/journal.ts): each session's claim, and the permission and audit rows as column arrays. */
class JournalRows {
  readonly claims = new Map<string, ChangeRows["claim"]>();
  private readonly requests: Array<PermissionRequestRow & { sessionId: string }> = [];
  private readonly resolutions: PermissionResolutionRow[] = [];
  private readonly audit: Array<SessionAuditRow & { sessionId: string }> = [];

  add(sessionId: string, change: ChangeRows) {
    if (change.claim) this.claims.set(sessionId, change.claim);
    for (const request of change.requests ?? []) this.requests.push({ ...request, sessionId });
    this.resolutions.push(...(change.resolutions ?? []));
    for (const entry of change.audit ?? []) this.audit.push({ ...entry, sessionId });
  }

  columns() {
    return {
      requests: columnArrays(REQUEST_COLUMNS, this.requests, (request) => ({
        id: request.id,
        session_id: request.sessionId,
        tool_call: toJsonb(request.toolCall).json,
        options: toJsonb(request.options).json,
        created_at: request.createdAt.toISOString(),
      })),
      resolutions: columnArrays(RESOLUTION_COLUMNS, this.resolutions, (resolution) => ({
        id: resolution.id,
        from_status: resolution.from,
        status: resolution.status,
        reply: resolution.reply,
        by: resolution.by,
      })),
      audit: columnArrays(AUDIT_COLUMNS, this.audit, (entry) => ({
        session_id: entry.sessionId,
        actor_id: entry.actorId,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId,
        detail: entry.detail === undefined ? null : toJsonb(entry.detail).json,
        ip: entry.ip,
      })),
    };
  }
}

type Lane = EventLane<QueuedEvent>;

export class EventWriter {
  // One lane per session, drained round-robin into each batch (lib/events/lanes.ts): a session bursting
  // thousands of events (one team's agent) cannot hold another session's (another team's) events back
  // by more than one batch. Order only matters within a session, and a lane keeps it.
  private lanes = new Map<string, Lane>();
  /** Lanes whose head, a claim, is committing beside the batch in flight: no batch takes from them meanwhile. */
  private beside = new Set<Lane>();
  private queued = 0;
  private enqueuedSeq = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private running = false;
  private scheduled = false;
  private textTimer: NodeJS.Timeout | null = null;
  /** Set by flushed(): the next commit writes every merged message text not yet written. */
  private flushAllText = false;
  private retryDelayMs = 50;
  private readonly messages = new MergedMessages();
  private lastCommitError: string | null = null;
  /** After a batch PostgreSQL refused, its events go one per batch until this many have committed. */
  private isolateRemaining = 0;
  private pressured = false;
  // Past this many queued events (database away for long), running turns are paused: the agent is
  // cancelled so the queue stops growing; nothing already accepted is dropped.
  constructor(
    private readonly budget: number,
    private readonly maxRunningTurnsPerTeam = Number.MAX_SAFE_INTEGER,
  ) {}

  /** Called once when the queue passes its memory budget (the database has been away too long). */
  onPressure: (() => void) | null = null;

  /** Told after every committed batch (metrics): its size and how long the statement took. */
  onBatch: ((size: number, seconds: number) => void) | null = null;

  enqueue(event: QueuedEvent): number {
    let lane = this.lanes.get(event.sessionId);
    if (!lane) this.lanes.set(event.sessionId, (lane = { events: [], seqs: [] }));
    this.enqueuedSeq += 1;
    lane.events.push(event);
    lane.seqs.push(this.enqueuedSeq);
    this.queued += 1;
    if (!this.pressured && this.queued >= this.budget) {
      this.pressured = true;
      log.error({ backlog: this.queued }, "events wait for the database; pausing running turns");
      this.onPressure?.();
    }
    if (event.change?.claim !== undefined && this.running && lane.events.length === 1) void this.commitBeside(lane);
    else this.kick();
    return this.enqueuedSeq;
  }

  get backlog() {
    return this.queued;
  }

  get healthy() {
    return this.lastCommitError === null;
  }

  /** Resolves once everything enqueued so far is committed, merged message text included. */
  flushed(timeoutMs = 15_000): Promise<void> {
    const seq = this.enqueuedSeq;
    if (this.messages.nextDueAt() !== null) this.flushAllText = true;
    if (this.committedThrough() >= seq && !this.flushAllText) return Promise.resolve();
    this.kick();
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

  /** Every event up to this place in the overall order is committed (lanes commit out of that order). */
  private committedThrough(): number {
    let oldest = this.enqueuedSeq + 1;
    for (const lane of this.lanes.values()) if (lane.seqs.length > 0) oldest = Math.min(oldest, lane.seqs[0]!);
    return oldest - 1;
  }

  /** Commits soon: events enqueued in the same tick (one read from the runtime) share a batch. */
  private kick() {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  /** Events the next batch may take: all queued but the claims committing beside. */
  private get batchable() {
    return this.queued - this.beside.size;
  }

  private hasWork() {
    if (this.batchable > 0 || this.flushAllText) return true;
    const due = this.messages.nextDueAt();
    return due !== null && due <= Date.now();
  }

  private async drain() {
    if (this.running) return;
    this.running = true;
    try {
      while (this.hasWork()) {
        const lanes = [...this.lanes.values()].filter((lane) => !this.beside.has(lane));
        const { batch, taken } = nextBatch(lanes, (event) => event.change?.claim !== undefined, this.isolateRemaining > 0);
        const all = this.flushAllText && batch.length === this.batchable;
        try {
          const started = performance.now();
          const { published, stored } = await this.commit(batch, { all });
          this.onBatch?.(batch.length, (performance.now() - started) / 1000);
          this.take(taken);
          if (this.isolateRemaining > 0) this.isolateRemaining -= 1;
          if (all) this.flushAllText = false;
          this.retryDelayMs = 50;
          this.lastCommitError = null;
          if (this.pressured && this.queued < this.budget / 2) this.pressured = false;
          this.committed(batch, published, stored);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          // Refused data fails again on every retry and would hold up every session's events behind
          // it: find the event one by one, and record that one as lost (a gap) so the rest is stored.
          if (isDataRejected(error)) {
            if (batch.length > 1) this.isolateRemaining = batch.length;
            else {
              batch[0]!.change?.settle?.("refused");
              this.lanes.get(batch[0]!.sessionId)!.events[0] = unstorable(batch[0]!, message);
            }
            continue;
          }
          // The batch stays queued; nothing is dropped. Back off and try again (database restarting).
          if (this.lastCommitError !== message) log.error({ err: message }, "commit failed, retrying");
          this.lastCommitError = message;
          await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
          this.retryDelayMs = Math.min(this.retryDelayMs * 2, MAX_RETRY_DELAY_MS);
        }
      }
    } finally {
      this.running = false;
    }
    this.scheduleText();
  }

  private committed(batch: QueuedEvent[], published: Map<string, StoredEvent[]>, stored: Set<string>) {
    for (const [sessionId, events] of published) liveHub().publishLocal(sessionId, events);
    for (const event of batch) event.change?.settle?.(stored.has(event.sessionId) ? "stored" : "skipped");
    this.releaseWaiters();
  }

  // A claim (a prompt starting a turn, a permission's answer) that arrives while a batch is in flight,
  // in a lane of its own, commits at once on a connection of its own rather than after that batch:
  // behind another team's burst, each batch is a wait that the prompt's POST would sit out
  // (bench/team-fairness.ts). Its session has nothing in the batch in flight (its lane holds only the
  // claim), so the order within the session holds; other sessions' due text is left to the batches.
  private async commitBeside(lane: Lane) {
    this.beside.add(lane);
    const event = lane.events[0]!;
    try {
      const started = performance.now();
      const { published, stored } = await this.commit([event], { ownOnly: true });
      this.onBatch?.(1, (performance.now() - started) / 1000);
      this.dropHeads(new Map([[lane, 1]]));
      this.committed([event], published, stored);
    } catch {
      // Left at the head of its lane: the writer's loop commits it next, with its retries and its way
      // with an event PostgreSQL refuses.
    } finally {
      this.beside.delete(lane);
      this.kick();
    }
  }

  /** Drops the committed heads of their lanes; the next batch starts with the session after this one's first. */
  private take(taken: Map<Lane, number>) {
    const [firstId] = this.lanes.keys();
    this.dropHeads(taken);
    const firstLane = firstId === undefined ? undefined : this.lanes.get(firstId);
    if (firstId !== undefined && firstLane) {
      this.lanes.delete(firstId);
      this.lanes.set(firstId, firstLane);
    }
  }

  /** Drops the committed heads of their lanes, and the lanes they leave empty. */
  private dropHeads(taken: Map<Lane, number>) {
    for (const [lane, count] of taken) {
      lane.events.splice(0, count);
      lane.seqs.splice(0, count);
      this.queued -= count;
    }
    for (const [sessionId, lane] of [...this.lanes]) if (lane.events.length === 0) this.lanes.delete(sessionId);
  }

  /** An open message whose text waits (the agent went quiet mid-message) is written when due. */
  private scheduleText() {
    const due = this.messages.nextDueAt();
    if (due === null || this.textTimer) return;
    this.textTimer = setTimeout(
      () => {
        this.textTimer = null;
        this.kick();
      },
      Math.max(0, due - Date.now()),
    );
    this.textTimer.unref();
  }

  private releaseWaiters() {
    if (this.flushAllText) return;
    const through = this.committedThrough();
    const ready = this.waiters.filter((waiter) => waiter.seq <= through);
    this.waiters = this.waiters.filter((waiter) => waiter.seq > through);
    for (const waiter of ready) waiter.resolve();
  }

  private async commit(
    batch: QueuedEvent[],
    text: { all?: boolean; ownOnly?: boolean },
  ): Promise<{ published: Map<string, StoredEvent[]>; stored: Set<string> }> {
    // Per session: its events as viewers will get them (without the index the statement assigns).
    const sessions = new Map<string, { events: Array<Omit<StoredEvent, "index">>; effects: Record<string, unknown> }>();
    const events: Array<{ sessionId: string; offset: number; sender: EventSender; createdAt: string; payload: string }> = [];
    const journal = new JournalRows();
    const messageEvents: MessageEvent[] = [];
    for (const queued of batch) {
      let session = sessions.get(queued.sessionId);
      if (!session) sessions.set(queued.sessionId, (session = { events: [], effects: {} }));
      const change = queued.change;
      if (change) journal.add(queued.sessionId, change);
      for (const event of change?.silent ? [] : change?.more ? [queued, ...change.more] : [queued]) {
        // Viewers get the payload as stored, so live and replayed events are the same.
        const payload = toJsonb(event.payload);
        const createdAt = queued.createdAt.toISOString();
        session.events.push({ sender: queued.sender, createdAt, payload: payload.value });
        for (const [key, value] of Object.entries(event.effects ?? {})) session.effects[key] = value ?? null;
        events.push({ sessionId: queued.sessionId, offset: session.events.length, sender: queued.sender, createdAt, payload: payload.json });
        const message = event === queued ? queued.message : undefined;
        if (message || event.endsMessage) {
          messageEvents.push({ sessionId: queued.sessionId, offset: session.events.length, message, endsMessage: event.endsMessage });
        }
      }
    }
    const plan = this.messages.plan(messageEvents, Date.now(), text);

    const params = [
      COMMIT_SQL,
      ...COMMIT_PARAMS.values({
        sessions: columnArrays(SESSION_COLUMNS, [...sessions], ([id, session]) => ({
          id,
          n: session.events.length,
          fx: toJsonb(session.effects).json,
          claim: journal.claims.get(id) ?? null,
        })),
        events: columnArrays(EVENT_COLUMNS, events, (event) => ({
          session_id: event.sessionId,
          offset_in_batch: event.offset,
          sender: event.sender,
          created_at: event.createdAt,
          payload: event.payload,
        })),
        messages: columnArrays(MESSAGE_COLUMNS, plan.rows, (message) => ({
          session_id: message.sessionId,
          index: message.index,
          offset_in_batch: message.offset,
          role: message.role,
          text: message.text,
        })),
        ...journal.columns(),
        channel: NOTIFY_CHANNEL,
        instance: liveHub().instanceId,
        max_running_turns: this.maxRunningTurnsPerTeam,
      }),
    ] as const;
    const committed = await db().$queryRawUnsafe<Array<{ id: string; before: number }>>(...params);

    // Sessions that are gone (a failed create) or whose claim did not hold have no row here: their events go with them.
    const firstIndex = new Map<string, number>();
    const published = new Map<string, StoredEvent[]>();
    for (const { id, before } of committed) {
      firstIndex.set(id, before + 1);
      const events = sessions.get(id)!.events;
      if (events.length > 0)
        published.set(
          id,
          events.map((event, i) => ({ index: before + 1 + i, ...event })),
        );
    }
    plan.apply(firstIndex);
    return { published, stored: new Set(firstIndex.keys()) };
  }
}

function unstorable(event: QueuedEvent, reason: string): QueuedEvent {
  log.error({ sessionId: event.sessionId, err: reason }, "PostgreSQL refused an event; it is recorded as a gap");
  const payload: PortalEventPayload = { type: "gap", missing: 1, cause: "database" };
  return { sessionId: event.sessionId, sender: "portal", payload, createdAt: event.createdAt };
}

const globalWriter = globalThis as unknown as { portalEventWriter?: EventWriter };

export function eventWriter(): EventWriter {
  globalWriter.portalEventWriter ??= new EventWriter(env().PORTAL_EVENT_QUEUE_BUDGET, env().PORTAL_MAX_RUNNING_TURNS_PER_TEAM);
  return globalWriter.portalEventWriter;
}

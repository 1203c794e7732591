import type pg from "pg";
import type { ListEventsRequest, ListPage, ListPageRequest, SessionEvent, SessionPersistDriver, SessionRecord } from "sandbox-agent";

// The baselines: SDK persist drivers written the plain way. `PerEventPostgresDriver` is shaped like
// the runtime's example Postgres driver: every insertEvent is one awaited INSERT, getSession one
// SELECT (the SDK calls it for every session/update), listEvents pages with LIMIT/OFFSET plus a
// COUNT. `KeysetHistoryDriver` reads an existing portal history by keyset pages, for timing the
// SDK's own resumeSession path on a long history.

export async function createBaselineTables(pool: pg.Pool) {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS bench_sdk`);
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_sdk.sessions (id TEXT PRIMARY KEY, record JSONB NOT NULL)`);
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_sdk.events (
    id TEXT PRIMARY KEY, event_index BIGINT NOT NULL, session_id TEXT NOT NULL, created_at BIGINT NOT NULL,
    connection_id TEXT NOT NULL, sender TEXT NOT NULL, payload JSONB NOT NULL)`);
  await pool.query(`CREATE INDEX IF NOT EXISTS bench_sdk_events_order ON bench_sdk.events (session_id, event_index, id)`);
}

type EventRow = { id: string; event_index: string; session_id: string; created_at: string; connection_id: string; sender: string; payload: unknown };

function toEvent(row: EventRow): SessionEvent {
  return {
    id: row.id,
    eventIndex: Number(row.event_index),
    sessionId: row.session_id,
    createdAt: Number(row.created_at),
    connectionId: row.connection_id,
    sender: row.sender === "client" ? "client" : "agent",
    payload: row.payload as SessionEvent["payload"],
  };
}

async function insertOne(pool: pg.Pool, event: SessionEvent) {
  await pool.query(
    `INSERT INTO bench_sdk.events (id, event_index, session_id, created_at, connection_id, sender, payload) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [event.id, event.eventIndex, event.sessionId, event.createdAt, event.connectionId, event.sender, JSON.stringify(event.payload)],
  );
}

export class PerEventPostgresDriver implements SessionPersistDriver {
  /** Called after each INSERT has committed (autocommit), with the time it returned. */
  onCommitted: ((event: SessionEvent, committedAt: number) => void) | null = null;

  constructor(private readonly pool: pg.Pool) {}

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const { rows } = await this.pool.query<{ record: SessionRecord }>(`SELECT record FROM bench_sdk.sessions WHERE id = $1`, [id]);
    return rows[0]?.record;
  }

  async listSessions(request: ListPageRequest = {}): Promise<ListPage<SessionRecord>> {
    const offset = Number(request.cursor ?? 0);
    const limit = request.limit ?? 100;
    const { rows } = await this.pool.query<{ record: SessionRecord }>(`SELECT record FROM bench_sdk.sessions ORDER BY id LIMIT $1 OFFSET $2`, [limit, offset]);
    const { rows: count } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM bench_sdk.sessions`);
    const next = offset + rows.length;
    return { items: rows.map((row) => row.record), nextCursor: next < Number(count[0]?.n ?? 0) ? String(next) : undefined };
  }

  async updateSession(record: SessionRecord): Promise<void> {
    await this.pool.query(`INSERT INTO bench_sdk.sessions (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record`, [
      record.id,
      JSON.stringify(record),
    ]);
  }

  async listEvents(request: ListEventsRequest): Promise<ListPage<SessionEvent>> {
    const offset = Number(request.cursor ?? 0);
    const limit = request.limit ?? 100;
    const { rows } = await this.pool.query<EventRow>(`SELECT * FROM bench_sdk.events WHERE session_id = $1 ORDER BY event_index, id LIMIT $2 OFFSET $3`, [
      request.sessionId,
      limit,
      offset,
    ]);
    const { rows: count } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM bench_sdk.events WHERE session_id = $1`, [request.sessionId]);
    const next = offset + rows.length;
    return { items: rows.map(toEvent), nextCursor: next < Number(count[0]?.n ?? 0) ? String(next) : undefined };
  }

  async insertEvent(_sessionId: string, event: SessionEvent): Promise<void> {
    await insertOne(this.pool, event);
    this.onCommitted?.(event, Date.now());
  }
}

/**
 * Serves one stored portal session's history to the SDK as if the SDK had written it (keyset pages
 * over the portal's `events` table), with a session record whose runtime connection is gone, so
 * `resumeSession` takes its restore path. New events go to bench_sdk.events, one INSERT each.
 */
export class KeysetHistoryDriver implements SessionPersistDriver {
  private record: SessionRecord;
  /** Pages read and time spent in them, by page size (the SDK reads 100 a page to resume, 500 to seed its index). */
  reads = new Map<number, { pages: number; events: number; ms: number }>();

  constructor(
    private readonly pool: pg.Pool,
    sdkSessionId: string,
    private readonly portalSessionId: string,
  ) {
    this.record = {
      id: sdkSessionId,
      agent: "mock",
      agentSessionId: "gone",
      lastConnectionId: "gone",
      createdAt: Date.now(),
      sessionInit: { cwd: "/", mcpServers: [] },
    };
  }

  async getSession(id: string) {
    return id === this.record.id ? this.record : undefined;
  }

  async listSessions(): Promise<ListPage<SessionRecord>> {
    return { items: [this.record] };
  }

  async updateSession(record: SessionRecord) {
    if (record.id === this.record.id) this.record = record;
  }

  async listEvents(request: ListEventsRequest): Promise<ListPage<SessionEvent>> {
    const started = performance.now();
    const after = Number(request.cursor ?? 0);
    const limit = request.limit ?? 100;
    const { rows } = await this.pool.query<{ index: number; sender: string; created_at: Date; payload: unknown }>(
      `SELECT index, sender, created_at, payload FROM events WHERE session_id = $1 AND index > $2 ORDER BY index LIMIT $3`,
      [this.portalSessionId, after, limit],
    );
    const items = rows.map((row) => ({
      id: `${request.sessionId}:${row.index}`,
      eventIndex: row.index,
      sessionId: request.sessionId,
      createdAt: row.created_at.getTime(),
      connectionId: "",
      sender: row.sender === "client" ? ("client" as const) : ("agent" as const),
      payload: row.payload as SessionEvent["payload"],
    }));
    const read = this.reads.get(limit) ?? { pages: 0, events: 0, ms: 0 };
    this.reads.set(limit, { pages: read.pages + 1, events: read.events + items.length, ms: read.ms + performance.now() - started });
    return { items, nextCursor: rows.length === limit ? String(rows.at(-1)!.index) : undefined };
  }

  async insertEvent(_sessionId: string, event: SessionEvent) {
    await insertOne(this.pool, event);
  }
}

import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { liveHub } from "@/lib/events/live-hub";
import type { StoredEvent } from "@/lib/events/types";
import { EventWriter, type QueuedEvent } from "@/lib/events/writer";
import { createTestDatabase, ROOT, waitFor, type TestDatabase } from "./harness";

// The write-behind writer on its own, against a real PostgreSQL: what one batch statement stores,
// and that data PostgreSQL refuses costs one event (recorded as a gap), never the queue behind it.

let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  await runMigrations(database.url, path.join(ROOT, "prisma", "migrations"));
  setDatabaseUrl(database.url);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`INSERT INTO users (id, email, name, password_hash) VALUES ('u', 'u@example.test', 'U', 'x')`);
  await client.query(`INSERT INTO teams (id, name) VALUES ('t', 'T')`);
  await client.query(`INSERT INTO teams (id, name) VALUES ('t2', 'T2')`);
  for (const id of ["a", "b"]) await client.query(`INSERT INTO sessions (id, team_id, created_by, title, agent) VALUES ($1, 't', 'u', 'w', 'demo')`, [id]);
  await client.query(`INSERT INTO sessions (id, team_id, created_by, title, agent) VALUES ('other-team', 't2', 'u', 'w', 'demo')`);
});

afterAll(async () => {
  await client?.end();
  await disconnectDb();
  await database?.drop();
});

const chunk = (sessionId: string, text: string): QueuedEvent => ({
  sessionId,
  sender: "agent",
  createdAt: new Date(),
  payload: { method: "session/update", params: { update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text } } } },
  message: { role: "agent", text, startsNew: false },
});

async function stored(sessionId: string) {
  const { rows } = await client.query(`SELECT index, sender, payload FROM events WHERE session_id = $1 ORDER BY index`, [sessionId]);
  return rows as Array<{ index: number; sender: string; payload: any }>;
}

/** Until this many of the database's connections wait for a lock held elsewhere: any lock, or only this kind (`advisory`: the team's). */
const lockWaiters = (count: number, waitEvent: string | null = null) =>
  waitFor(
    async () =>
      (
        await client.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND ($1::text IS NULL OR wait_event = $1)`,
          [waitEvent],
        )
      ).rows[0].n,
    (waiting) => waiting === count,
    10_000,
    10,
  );

describe("EventWriter", () => {
  it("stores a batch with dense indexes per session, the session changes it implies and the merged message", async () => {
    const writer = new EventWriter(10_000);
    writer.enqueue({
      sessionId: "a",
      sender: "client",
      createdAt: new Date(),
      payload: { method: "session/prompt" },
      message: { role: "user", text: "hi", startsNew: true },
    });
    for (const text of ["one ", "two ", "three"]) writer.enqueue(chunk("a", text));
    writer.enqueue(chunk("b", "other"));
    writer.enqueue({
      sessionId: "a",
      sender: "portal",
      createdAt: new Date(),
      payload: { type: "turn_ended" },
      effects: { status: "idle", lastStopReason: "end_turn" },
      endsMessage: true,
    });
    await writer.flushed();

    expect((await stored("a")).map((event) => [event.index, event.sender])).toEqual([
      [1, "client"],
      [2, "agent"],
      [3, "agent"],
      [4, "agent"],
      [5, "portal"],
    ]);
    expect((await stored("b")).map((event) => event.index)).toEqual([1]);
    const { rows: sessions } = await client.query(`SELECT id, event_count, status, last_stop_reason FROM sessions WHERE team_id = 't' ORDER BY id`);
    expect(sessions).toEqual([
      { id: "a", event_count: 5, status: "idle", last_stop_reason: "end_turn" },
      { id: "b", event_count: 1, status: "idle", last_stop_reason: null },
    ]);
    const { rows: messages } = await client.query(`SELECT session_id, index, role, text FROM messages ORDER BY session_id, index`);
    expect(messages).toEqual([
      { session_id: "a", index: 1, role: "user", text: "hi" },
      { session_id: "a", index: 2, role: "agent", text: "one two three" },
      { session_id: "b", index: 1, role: "agent", text: "other" },
    ]);
  });

  it("records an event PostgreSQL refuses as a gap and stores everything around it", async () => {
    const writer = new EventWriter(10_000);
    const before = (await stored("b")).length;
    writer.enqueue(chunk("b", "before "));
    // Not a session status: the enum cast fails with SQLSTATE 22P02 on every try.
    writer.enqueue({ sessionId: "b", sender: "portal", createdAt: new Date(), payload: { type: "status" }, effects: { status: "bogus" as never } });
    writer.enqueue(chunk("b", "after"));
    writer.enqueue(chunk("a", "elsewhere"));
    await writer.flushed(10_000);

    const events = (await stored("b")).slice(before);
    expect(events.map((event) => event.index)).toEqual([before + 1, before + 2, before + 3]);
    expect(events.map((event) => event.payload?.type ?? event.payload.params.update.content.text)).toEqual(["before ", "gap", "after"]);
    expect(events[1]).toMatchObject({ sender: "portal", payload: { type: "gap", missing: 1, cause: "database" } });
    expect((await stored("a")).at(-1)?.payload.params.update.content.text).toBe("elsewhere");
    expect(writer.healthy).toBe(true);
    // The merged text those events left due, written now rather than by a timer after the file dropped its database.
    await writer.flushed();
  });

  it("writes another team's event within one batch of a 20,000-event burst, and flushed() waits for all of it", async () => {
    const writer = new EventWriter(100_000);
    const batches: number[] = [];
    writer.onBatch = (size) => batches.push(size);
    const before = (await stored("a")).length;
    for (let i = 0; i < 20_000; i += 1) writer.enqueue(chunk("a", `${i} `));
    // The burst's first batch is on its way to PostgreSQL when the other team's event arrives.
    await waitFor(
      async () => batches.length,
      (count) => count >= 1,
      10_000,
      1,
    );
    const committedBefore = batches.length;
    writer.enqueue(chunk("other-team", "mine"));
    await writer.flushed(60_000);

    // One statement per batch, so one transaction: the burst's batches committed before ours, beyond
    // those already done when ours arrived, are at most the one then in flight (FIFO made it nine).
    const { rows } = await client.query(
      `
      SELECT count(DISTINCT e.xmin::text)::int AS ahead FROM events e
      WHERE e.session_id = 'a' AND e.index > $1
        AND e.xmin::text::bigint < (SELECT xmin::text::bigint FROM events WHERE session_id = 'other-team' LIMIT 1)`,
      [before],
    );
    expect(rows[0].ahead - committedBefore).toBeLessThanOrEqual(1);
    expect(batches.length).toBeGreaterThanOrEqual(10);
    const burst = (await stored("a")).slice(before);
    expect(burst.map((event) => event.payload.params.update.content.text)).toEqual(Array.from({ length: 20_000 }, (_, i) => `${i} `));
    expect(writer.backlog).toBe(0);
  }, 90_000);

  it("hands live viewers the payload as stored, NUL and half an emoji replaced", async () => {
    const writer = new EventWriter(10_000);
    const live: StoredEvent[] = [];
    const unsubscribe = liveHub().subscribe("a", {
      userId: "u",
      teamId: "t",
      onEvents: (events) => live.push(...events),
      onResync() {},
      onRevoked() {},
      onRoleChanged() {},
    });
    try {
      writer.enqueue(chunk("a", `nul \u0000 and half ${"\ud83d"}`));
      await writer.flushed();
      await waitFor(
        async () => live.length,
        (count) => count === 1,
        5_000,
        10,
      );
    } finally {
      unsubscribe();
    }
    const [row] = (await stored("a")).slice(-1);
    expect(row!.payload.params.update.content.text).toBe("nul \ufffd and half \ufffd");
    expect(live[0]).toMatchObject({ index: row!.index, payload: row!.payload });
  });

  it("commits a prompt's claim beside a batch held up in PostgreSQL, not after it", async () => {
    const writer = new EventWriter(10_000);
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      // Session a's row locked elsewhere: the batch carrying a's event waits in PostgreSQL.
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM sessions WHERE id = 'a' FOR UPDATE");
      writer.enqueue(chunk("a", "held"));
      await lockWaiters(1);
      const outcome = new Promise<string>((resolve) =>
        writer.enqueue({
          sessionId: "b",
          sender: "portal",
          createdAt: new Date(),
          payload: { type: "status", status: "running" },
          effects: { status: "running", currentTurnId: "turn-beside" },
          change: { claim: "idle", settle: resolve },
        }),
      );
      expect(await outcome).toBe("stored");
      const { rows } = await client.query(`SELECT status, current_turn_id FROM sessions WHERE id = 'b'`);
      expect(rows[0]).toEqual({ status: "running", current_turn_id: "turn-beside" });
      expect((await stored("a")).some((event) => event.payload.params?.update?.content?.text === "held")).toBe(false);
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    await writer.flushed();
    expect((await stored("a")).at(-1)?.payload.params.update.content.text).toBe("held");
    expect(writer.backlog).toBe(0);
  });

  it("starts no more than the team's cap of turns when two portal processes claim at once", async () => {
    await client.query(`INSERT INTO teams (id, name) VALUES ('capped', 'Capped')`);
    for (const id of ["c1", "c2"])
      await client.query(`INSERT INTO sessions (id, team_id, created_by, title, agent) VALUES ($1, 'capped', 'u', 'w', 'demo')`, [id]);
    // Two writers, as two processes have, each allowing one running turn per team.
    const writers = [new EventWriter(10_000, 1), new EventWriter(10_000, 1)];
    const claim = (writer: EventWriter, sessionId: string) =>
      new Promise<string>((resolve) =>
        writer.enqueue({
          sessionId,
          sender: "portal",
          createdAt: new Date(),
          payload: { type: "status", status: "running" },
          effects: { status: "running", currentTurnId: `turn-${sessionId}` },
          change: { claim: "idle", settle: resolve },
        }),
      );
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    let outcomes: Array<Promise<string>>;
    try {
      // The team's lock held elsewhere: both claims reach it and wait, then take it one after the other.
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock(hashtext('turns:capped'))");
      outcomes = [claim(writers[0]!, "c1"), claim(writers[1]!, "c2")];
      await lockWaiters(2, "advisory");
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    expect((await Promise.all(outcomes)).sort()).toEqual(["skipped", "stored"]);
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM sessions WHERE team_id = 'capped' AND status = 'running'`);
    expect(rows[0].n).toBe(1);
  });
});

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
  for (const id of ["a", "b"]) await client.query(`INSERT INTO sessions (id, team_id, created_by, title, agent) VALUES ($1, 't', 'u', 'w', 'demo')`, [id]);
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

describe("EventWriter", () => {
  it("stores a batch with dense indexes per session, the session changes it implies and the merged message", async () => {
    const writer = new EventWriter(10_000);
    writer.enqueue({ sessionId: "a", sender: "client", createdAt: new Date(), payload: { method: "session/prompt" }, message: { role: "user", text: "hi", startsNew: true } });
    for (const text of ["one ", "two ", "three"]) writer.enqueue(chunk("a", text));
    writer.enqueue(chunk("b", "other"));
    writer.enqueue({ sessionId: "a", sender: "portal", createdAt: new Date(), payload: { type: "turn_ended" }, effects: { status: "idle", lastStopReason: "end_turn" }, endsMessage: true });
    await writer.flushed();

    expect((await stored("a")).map((event) => [event.index, event.sender])).toEqual([
      [1, "client"],
      [2, "agent"],
      [3, "agent"],
      [4, "agent"],
      [5, "portal"],
    ]);
    expect((await stored("b")).map((event) => event.index)).toEqual([1]);
    const { rows: sessions } = await client.query(`SELECT id, event_count, status, last_stop_reason FROM sessions ORDER BY id`);
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
  });

  it("hands live viewers the payload as stored, NUL and half an emoji replaced", async () => {
    const writer = new EventWriter(10_000);
    const live: StoredEvent[] = [];
    const unsubscribe = liveHub().subscribe("a", { userId: "u", teamId: "t", onEvents: (events) => live.push(...events), onResync() {}, onRevoked() {}, onRoleChanged() {} });
    try {
      writer.enqueue(chunk("a", `nul \u0000 and half ${"\ud83d"}`));
      await writer.flushed();
      await waitFor(async () => live.length, (count) => count === 1, 5_000, 10);
    } finally {
      unsubscribe();
    }
    const [row] = (await stored("a")).slice(-1);
    expect(row!.payload.params.update.content.text).toBe("nul \ufffd and half \ufffd");
    expect(live[0]).toMatchObject({ index: row!.index, payload: row!.payload });
  });
});

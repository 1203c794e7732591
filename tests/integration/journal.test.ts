import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { recordChange } from "@/lib/sessions/journal";
import { cancelPending, intakePermissionRequest } from "@/lib/sessions/permissions";
import { createTestDatabase, ROOT, waitFor, type TestDatabase } from "./harness";

// The session journal against a real PostgreSQL: each kind of change stores its event(s), the session
// columns, the permission rows and the audit entry all together or not at all. For each one the
// commit is caught in flight (another connection holds the session row, so the writer's statement
// waits on it), that statement's connection is killed, and while the writer's retry waits in turn
// nothing of the change is visible; once the row is let go, all of it is.

// Read once, when the journal's writer is made (at the first change): a small cap to reach in a test.
process.env.PORTAL_MAX_RUNNING_TURNS_PER_TEAM = "2";

let database: TestDatabase;
let client: pg.Client;
let holder: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  await runMigrations(database.url, path.join(ROOT, "prisma", "migrations"));
  setDatabaseUrl(database.url);
  client = new pg.Client({ connectionString: database.url });
  holder = new pg.Client({ connectionString: database.url });
  await Promise.all([client.connect(), holder.connect()]);
  await client.query(`INSERT INTO users (id, email, name, password_hash) VALUES ('u', 'u@example.test', 'U', 'x')`);
  await client.query(`INSERT INTO teams (id, name) VALUES ('t', 'T'), ('capped', 'Capped')`);
});

afterAll(async () => {
  await holder?.end();
  await client?.end();
  await disconnectDb();
  await database?.drop();
});

let sessionCounter = 0;
async function newSession(columns: Record<string, unknown> = {}, teamId = "t") {
  const id = `s${(sessionCounter += 1)}`;
  const names = ["id", "team_id", "created_by", "title", "agent", ...Object.keys(columns)];
  const values = [id, teamId, "u", "journal", "demo", ...Object.values(columns)];
  await client.query(`INSERT INTO sessions (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")})`, values);
  return id;
}

async function newPermission(sessionId: string, id: string, status = "pending") {
  await client.query(`INSERT INTO permissions (id, session_id, status, tool_call, options) VALUES ($1, $2, $3::"PermissionStatus", '{}', '[]')`, [
    id,
    sessionId,
    status,
  ]);
}

/** Everything of a session the journal writes, read through one connection. */
async function stateOf(reader: pg.Client, sessionId: string) {
  const events = await reader.query(`SELECT index, sender, payload FROM events WHERE session_id = $1 ORDER BY index`, [sessionId]);
  const session = await reader.query(`SELECT status, current_turn_id, last_stop_reason, event_count, title, mode, destroyed_at FROM sessions WHERE id = $1`, [
    sessionId,
  ]);
  const permissions = await reader.query(`SELECT id, status, reply, resolved_by, turn_id FROM permissions WHERE session_id = $1 ORDER BY id`, [sessionId]);
  const audit = await reader.query(
    `SELECT action, actor_id, target_type, target_id, detail, team_id FROM audit_entries WHERE target_id = $1 OR detail->>'sessionId' = $1 ORDER BY at, action`,
    [sessionId],
  );
  return { events: events.rows, session: session.rows[0], permissions: permissions.rows, audit: audit.rows };
}

const waitingOnLocks = async () =>
  (
    await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    )
  ).rows.map((row) => row.pid);

/**
 * Runs a change with its commit caught in flight: the session row is held, the writer's statement
 * is killed while it waits, and the state is read while its retry waits. Returns the state before,
 * during and after, and what the change resolved to.
 */
async function throughKilledCommit<T>(sessionId: string, change: () => Promise<T>) {
  const before = await stateOf(client, sessionId);
  await holder.query("BEGIN");
  await holder.query(`SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE`, [sessionId]);
  let outcome: Promise<T>;
  let during: Awaited<ReturnType<typeof stateOf>>;
  try {
    outcome = change();
    const [first] = await waitFor(waitingOnLocks, (pids) => pids.length === 1, 10_000, 5);
    await client.query(`SELECT pg_terminate_backend($1)`, [first]);
    // The writer tries again on a new connection, and waits on the same row.
    await waitFor(waitingOnLocks, (pids) => pids.length === 1 && pids[0] !== first, 10_000, 5);
    during = await stateOf(client, sessionId);
  } finally {
    await holder.query("ROLLBACK");
  }
  const resolved = await outcome;
  const after = await stateOf(client, sessionId);
  return { before, during, after, resolved };
}

const types = (events: Array<{ payload: { type?: string } }>) => events.map((event) => event.payload.type);

describe("session journal: all of a change or none of it, through a killed connection", () => {
  it("turn start: the claim, the running status, the turn and the audit entry", async () => {
    const sessionId = await newSession();
    const { before, during, after, resolved } = await throughKilledCommit(sessionId, () =>
      recordChange({
        sessionId,
        claim: "idle",
        event: { type: "status", status: "running" },
        effects: { status: "running", currentTurnId: "turn-1" },
        audit: { actorId: "u", action: "session.prompt", detail: { turnId: "turn-1" } },
      }),
    );
    expect(during).toEqual(before);
    expect(resolved).toMatchObject({ id: sessionId, status: "running", currentTurnId: "turn-1", eventCount: 1 });
    expect(types(after.events)).toEqual(["status"]);
    expect(after.session).toMatchObject({ status: "running", current_turn_id: "turn-1", event_count: 1 });
    expect(after.audit).toEqual([
      { action: "session.prompt", actor_id: "u", target_type: "session", target_id: sessionId, detail: { turnId: "turn-1" }, team_id: "t" },
    ]);
  });

  it("turn start on a session that is not idle: nothing at all, and the change says so", async () => {
    const sessionId = await newSession({ status: "running", current_turn_id: "other" });
    const before = await stateOf(client, sessionId);
    const resolved = await recordChange({
      sessionId,
      claim: "idle",
      event: { type: "status", status: "running" },
      effects: { status: "running", currentTurnId: "turn-2" },
      audit: { actorId: "u", action: "session.prompt", detail: { turnId: "turn-2" } },
    });
    expect(resolved).toBeNull();
    expect(await stateOf(client, sessionId)).toEqual(before);
  });

  it("turn start in a team that runs its cap of turns: nothing at all", async () => {
    for (const turn of ["c1", "c2"]) await newSession({ status: "running", current_turn_id: turn }, "capped");
    const sessionId = await newSession({}, "capped");
    const before = await stateOf(client, sessionId);
    const start = () =>
      recordChange({
        sessionId,
        claim: "idle",
        event: { type: "status", status: "running" },
        effects: { status: "running", currentTurnId: "c3" },
        audit: { actorId: "u", action: "session.prompt" },
      });
    expect(await start()).toBeNull();
    expect(await stateOf(client, sessionId)).toEqual(before);
    await client.query(`UPDATE sessions SET status = 'idle', current_turn_id = NULL WHERE team_id = 'capped' AND current_turn_id = 'c1'`);
    expect(await start()).toMatchObject({ status: "running", currentTurnId: "c3" });
  });

  it("turn end: turn_ended, idle, the stop reason and the turn cleared", async () => {
    const sessionId = await newSession({ status: "running", current_turn_id: "turn-3" });
    const { before, during, after } = await throughKilledCommit(sessionId, () =>
      recordChange({
        sessionId,
        event: { type: "turn_ended", turnId: "turn-3", stopReason: "end_turn" },
        effects: { status: "idle", lastStopReason: "end_turn", currentTurnId: null },
      }),
    );
    expect(during).toEqual(before);
    expect(types(after.events)).toEqual(["turn_ended"]);
    expect(after.session).toMatchObject({ status: "idle", current_turn_id: null, last_stop_reason: "end_turn", event_count: 1 });
  });

  it("status change: a session turns restorable with its interrupted turn, two events in one change", async () => {
    const sessionId = await newSession({ status: "running", current_turn_id: "turn-4" });
    const { before, during, after } = await throughKilledCommit(sessionId, () =>
      recordChange({
        sessionId,
        event: [
          { type: "turn_ended", turnId: "turn-4", stopReason: "interrupted" },
          { type: "status", status: "restorable" },
        ],
        effects: { status: "restorable", currentTurnId: null, lastStopReason: "interrupted" },
      }),
    );
    expect(during).toEqual(before);
    expect(after.events.map((event) => [event.index, event.payload.type])).toEqual([
      [1, "turn_ended"],
      [2, "status"],
    ]);
    expect(after.session).toMatchObject({ status: "restorable", current_turn_id: null, last_stop_reason: "interrupted", event_count: 2 });
  });

  it("permission intake: the pending row, on the running turn, and its event", async () => {
    const sessionId = await newSession({ status: "running", current_turn_id: "turn-5" });
    const request = {
      id: "perm-5",
      createdAt: Date.now(),
      toolCall: { title: "Write a file", kind: "edit" },
      options: [{ optionId: "a", name: "Allow", kind: "allow_once" }],
    };
    const { before, during, after } = await throughKilledCommit(sessionId, () => intakePermissionRequest(sessionId, request as never));
    expect(during).toEqual(before);
    expect(after.events.map((event) => event.payload)).toEqual([
      {
        type: "permission_requested",
        permissionId: "perm-5",
        toolCall: { title: "Write a file", kind: "edit" },
        options: [{ optionId: "a", name: "Allow", kind: "allow_once" }],
      },
    ]);
    expect(after.permissions).toEqual([{ id: "perm-5", status: "pending", reply: null, resolved_by: null, turn_id: "turn-5" }]);
  });

  it("permission reply: the claimed row, its event and the audit entry; a second reply leaves nothing", async () => {
    const sessionId = await newSession({ status: "running", current_turn_id: "turn-6" });
    await newPermission(sessionId, "perm-6");
    const reply = () =>
      recordChange({
        sessionId,
        claim: "permission",
        event: { type: "permission_resolved", permissionId: "perm-6", reply: "once", by: "u" },
        permissions: { resolutions: [{ id: "perm-6", from: "pending", status: "resolved", reply: "once", by: "u" }] },
        audit: { actorId: "u", action: "permission.reply", targetType: "permission", targetId: "perm-6", detail: { sessionId, reply: "once" } },
      });
    const { before, during, after, resolved } = await throughKilledCommit(sessionId, reply);
    expect(during).toEqual(before);
    expect(resolved).not.toBeNull();
    expect(types(after.events)).toEqual(["permission_resolved"]);
    expect(after.permissions).toEqual([{ id: "perm-6", status: "resolved", reply: "once", resolved_by: "u", turn_id: null }]);
    expect(after.audit).toMatchObject([{ action: "permission.reply", target_type: "permission", target_id: "perm-6", team_id: "t" }]);

    expect(await reply()).toBeNull();
    expect(await stateOf(client, sessionId)).toEqual(after);
  });

  it("permission expiry (cancelPending): each pending row and its event; an answered one is left as it is", async () => {
    const sessionId = await newSession({ status: "running", current_turn_id: "turn-7" });
    await newPermission(sessionId, "perm-7a");
    await newPermission(sessionId, "perm-7b", "resolved");
    const { before, during, after, resolved } = await throughKilledCommit(sessionId, () => cancelPending({ sessionId, as: "expired" }));
    expect(during).toEqual(before);
    expect(resolved).toEqual(["perm-7a"]);
    expect(after.events.map((event) => event.payload)).toEqual([{ type: "permission_resolved", permissionId: "perm-7a", reply: "expired", by: null }]);
    expect(after.permissions.map((row) => [row.id, row.status])).toEqual([
      ["perm-7a", "expired"],
      ["perm-7b", "resolved"],
    ]);
  });

  it("settings change: config_changed, the columns from the agent's answer and the audit entry", async () => {
    const sessionId = await newSession();
    const { before, during, after } = await throughKilledCommit(sessionId, () =>
      recordChange({
        sessionId,
        event: { type: "config_changed", field: "mode", value: "plan", by: "u" },
        effects: { mode: "plan", configOptions: [{ id: "mode", category: "mode", currentValue: "plan" }] },
        audit: { actorId: "u", action: "session.config", detail: { mode: "plan" } },
      }),
    );
    expect(during).toEqual(before);
    expect(types(after.events)).toEqual(["config_changed"]);
    expect(after.session).toMatchObject({ mode: "plan", status: "idle" });
    expect(after.audit).toMatchObject([{ action: "session.config", detail: { mode: "plan" } }]);
  });

  it("destroy: the cancelled turn, the destroyed status and time, and the audit entry", async () => {
    const sessionId = await newSession({ status: "running", current_turn_id: "turn-9" });
    const { before, during, after } = await throughKilledCommit(sessionId, () =>
      recordChange({
        sessionId,
        event: [
          { type: "turn_ended", turnId: "turn-9", stopReason: "cancelled" },
          { type: "status", status: "destroyed" },
        ],
        effects: { status: "destroyed", destroyedAt: new Date().toISOString(), currentTurnId: null, lastStopReason: "cancelled" },
        audit: { actorId: "u", action: "session.destroy" },
      }),
    );
    expect(during).toEqual(before);
    expect(types(after.events)).toEqual(["turn_ended", "status"]);
    expect(after.session).toMatchObject({ status: "destroyed", current_turn_id: null, last_stop_reason: "cancelled" });
    expect(after.session.destroyed_at).toBeInstanceOf(Date);
    expect(after.audit).toMatchObject([{ action: "session.destroy", target_id: sessionId }]);
  });

  it("an audit entry alone (cancel) commits with no event", async () => {
    const sessionId = await newSession({ status: "running", current_turn_id: "turn-10" });
    const { before, during, after } = await throughKilledCommit(sessionId, () =>
      recordChange({ sessionId, event: [], audit: { actorId: "u", action: "session.cancel", detail: { turnId: "turn-10" } } }),
    );
    expect(during).toEqual(before);
    expect(after.events).toEqual([]);
    expect(after.session).toEqual(before.session);
    expect(after.audit).toMatchObject([{ action: "session.cancel", detail: { turnId: "turn-10" } }]);
  });
});

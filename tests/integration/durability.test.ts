import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allEvents,
  killSessionRuntime,
  sessionRuntime,
  apiFor,
  createTestDatabase,
  defaultTeamId,
  removeDir,
  startPortal,
  tokenClient,
  waitFor,
  waitForIdle,
  openPortal,
  type Api,
  type Portal,
  type PortalFixture,
  type TestDatabase,
} from "./harness";
import { chunkText, expectDense, sequenceNumbers } from "./event-checks";
import { sql } from "./session-api-helpers";

// Events are never lost: the runtime killed mid-turn, bursts the runtime drops, database connections
// cut while a turn streams, and many restores in a row. Real PostgreSQL, real runtime, demo agent.
// A long stream kept whole at the default pace needs a machine to itself: durability-pace.test.ts.

let fixture: PortalFixture;
let database: TestDatabase;
let portal: Portal;
let api: Api;
let teamId: string;

beforeAll(async () => {
  fixture = await openPortal();
  ({ db: database, portal, api, teamId } = fixture);
});
afterAll(() => fixture?.close());

async function newSession() {
  const { body } = await api.request("POST", "/api/sessions", { teamId, agent: "demo" });
  return body.id as string;
}

async function recall(sessionId: string) {
  const before = (await allEvents(api, sessionId)).length;
  await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/recall" });
  await waitForIdle(api, sessionId);
  const events = await allEvents(api, sessionId);
  return events.slice(before).map(chunkText).filter(Boolean).join("");
}

describe("events are never lost", () => {
  it("keeps every event received before the runtime is killed mid-stream, and continues after restore", async () => {
    const sessionId = await newSession();
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "the first prompt is about kiwis" });
    await waitForIdle(api, sessionId);
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/stream 5000" });
    await waitFor(
      () => api.get(`/api/sessions/${sessionId}`),
      (session) => session.eventCount > 1500,
      30_000,
      50,
    );
    await killSessionRuntime(api, sessionId);
    const session = await waitFor(
      () => api.get(`/api/sessions/${sessionId}`),
      (s) => s.status === "restorable",
    );
    expect(session.lastStopReason).toBe("interrupted");

    const events = await allEvents(api, sessionId);
    expectDense(events);
    const numbers = sequenceNumbers(events);
    expect(numbers.length).toBeGreaterThan(1000);
    expect(numbers.length).toBeLessThan(5000);
    // Everything received is stored exactly once and in order: 1..k with nothing missing.
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    const ended = events.filter((event) => event.payload?.type === "turn_ended");
    expect(ended.at(-1)?.payload.stopReason).toBe("interrupted");

    expect(await recall(sessionId)).toContain("the first prompt is about kiwis");
    expectDense(await allEvents(api, sessionId));
  });

  it("runs and stores a prompt carrying NUL and half an emoji (which the runtime and jsonb refuse)", async () => {
    const sessionId = await newSession();
    const bystander = await newSession();
    const text = `broken ${"\ud83d"} emoji and a \u0000 NUL`;
    expect((await api.request("POST", `/api/sessions/${sessionId}/prompt`, { text })).status).toBe(202);
    expect((await waitForIdle(api, sessionId)).lastStopReason).toBe("end_turn");
    await api.post(`/api/sessions/${bystander}/prompt`, { text: "still flowing" });
    await waitForIdle(api, bystander);
    const prompts = (await allEvents(api, sessionId)).filter((event) => event.payload?.method === "session/prompt");
    expect(prompts.map((event) => event.payload.params.prompt.at(-1).text)).toEqual(["broken \ufffd emoji and a \ufffd NUL"]);
    expect((await allEvents(api, bystander)).some((event) => event.payload?.params?.prompt?.at(-1)?.text === "still flowing")).toBe(true);
  });

  it("accounts for every chunk of /stream 100000 at 10,000/s: in order, once, and any loss recorded", async () => {
    const sessionId = await newSession();
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/stream 100000 10000" });
    await waitForIdle(api, sessionId, 240_000);
    const events = await allEvents(api, sessionId);
    expectDense(events);
    const numbers = sequenceNumbers(events);
    const missing = events.filter((event) => event.payload?.type === "gap").reduce((sum, event) => sum + event.payload.missing, 0);
    // Strictly increasing: nothing duplicated or reordered. On a quiet machine nothing is missing;
    // when the runtime drops what its replay buffer no longer holds, the gap events say how much.
    expect(numbers.every((value, i) => i === 0 || value > numbers[i - 1]!)).toBe(true);
    expect(numbers.length + missing).toBe(100_000);
    console.log(`[durability] /stream 100000 at 10,000/s: ${numbers.length} stored, ${missing} recorded as lost`);
  }, 300_000);

  it("accounts for every chunk of ten /burst 5000 turns: stored or counted in a gap event", async () => {
    const sessionId = await newSession();
    const report: string[] = [];
    const recoveredBefore = (await sessionRuntime(api, sessionId)).stream.recovered;
    // Each turn reads only its own events, not the whole history again.
    let before = (await allEvents(api, sessionId)).at(-1)?.index ?? 0;
    for (let turn = 0; turn < 10; turn += 1) {
      await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/burst 5000" });
      await waitForIdle(api, sessionId, 60_000);
      const events = await allEvents(api, sessionId, before);
      before = events.at(-1)?.index ?? before;
      const stored = sequenceNumbers(events);
      const missing = events.filter((event) => event.payload?.type === "gap").reduce((sum, event) => sum + event.payload.missing, 0);
      expect(new Set(stored).size).toBe(stored.length);
      expect(stored.length + missing).toBe(5000);
      report.push(`${stored.length}+${missing}`);
    }
    const recovered = (await sessionRuntime(api, sessionId)).stream.recovered - recoveredBefore;
    console.log(`[durability] /burst 5000 ×10 stored+gap: ${report.join(", ")}; recovered from the runtime's replay buffer: ${recovered}`);
    expectDense(await allEvents(api, sessionId));
  }, 300_000);

  it("restores the same session after 20 runtime kills in a row, losing and duplicating nothing", async () => {
    const sessionId = await newSession();
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "the first prompt names a teal giraffe" });
    await waitForIdle(api, sessionId);
    for (let round = 1; round <= 20; round += 1) {
      await killSessionRuntime(api, sessionId);
      await waitFor(
        () => api.get(`/api/sessions/${sessionId}`),
        (s) => s.status === "restorable",
      );
      await api.post(`/api/sessions/${sessionId}/prompt`, { text: `/stream 50 5000` });
      const session = await waitForIdle(api, sessionId);
      expect(session.lastStopReason).toBe("end_turn");
    }
    const events = await allEvents(api, sessionId);
    expectDense(events);
    expect(events.filter((event) => event.payload?.type === "restored")).toHaveLength(20);
    // Every /stream 50 turn stored 1..50 once.
    const numbers = sequenceNumbers(events);
    expect(numbers).toEqual(Array.from({ length: 20 }, () => Array.from({ length: 50 }, (_, i) => i + 1)).flat());
    expect(await recall(sessionId)).toContain("teal giraffe");
  });
});

describe("portal restart", () => {
  it("keeps history and sessions usable after kill -9 of the portal with the embedded database", async () => {
    let embedded = await startPortal();
    const dataDir = embedded.dataDir;
    try {
      const embeddedApi = await apiFor(embedded.baseUrl);
      const team = await defaultTeamId(embeddedApi);
      const { body: session } = await embeddedApi.request("POST", "/api/sessions", { teamId: team, agent: "demo" });
      await embeddedApi.post(`/api/sessions/${session.id}/prompt`, { text: "before the crash: amber owl" });
      await waitForIdle(embeddedApi, session.id);
      const before = await allEvents(embeddedApi, session.id);

      await embedded.kill(); // Postgres and the runtime are left behind as orphans
      embedded = await startPortal({ dataDir });
      const againApi = await apiFor(embedded.baseUrl);
      const restarted = await againApi.get(`/api/sessions/${session.id}`);
      expect(restarted.status).toBe("restorable");
      const after = await allEvents(againApi, session.id);
      expect(after.slice(0, before.length)).toEqual(before);

      await againApi.post(`/api/sessions/${session.id}/prompt`, { text: "/recall" });
      await waitForIdle(againApi, session.id);
      const events = await allEvents(againApi, session.id);
      expectDense(events);
      expect(events.slice(after.length).map(chunkText).join("")).toContain("amber owl");
    } finally {
      await embedded.stop();
      removeDir(dataDir);
    }
  });
});

describe("portal killed mid-message", () => {
  it("rebuilds the search text of the message that was still growing from its events at the next start", async () => {
    const sessionId = await newSession();
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/stream 3000 300" });
    await waitFor(
      () => api.get(`/api/sessions/${sessionId}`),
      (session) => session.eventCount > 900,
      30_000,
      20,
    );
    await portal.kill();
    portal = fixture.portal = await startPortal({ databaseUrl: database.url, dataDir: portal.dataDir });
    api = tokenClient(portal.baseUrl, api.token);
    await waitFor(
      () => api.get(`/api/sessions/${sessionId}`),
      (session) => session.status === "restorable",
    );

    const events = await allEvents(api, sessionId);
    const streamed = events
      .map(chunkText)
      .filter((text): text is string => text !== null)
      .join("");
    expect(streamed.length).toBeGreaterThan(0);
    // The merged text holds every stored chunk, including the last second's that was not written yet.
    expect(await sql(database.url, `SELECT role, text FROM messages WHERE session_id = $1 ORDER BY index`, [sessionId])).toEqual([
      { role: "user", text: "/stream 3000 300" },
      { role: "agent", text: streamed },
    ]);
  });
});

describe("database away for long", () => {
  it("pauses the running turn past the event queue budget, then stores everything it held", async () => {
    const own = await createTestDatabase();
    const small = await startPortal({ databaseUrl: own.url, env: { PORTAL_EVENT_QUEUE_BUDGET: "3000" } });
    const admin = new pg.Client({ connectionString: database.url });
    admin.on("error", () => undefined);
    await admin.connect();
    try {
      const smallApi = await apiFor(small.baseUrl);
      const team = await defaultTeamId(smallApi);
      const { body: session } = await smallApi.request("POST", "/api/sessions", { teamId: team, agent: "demo" });
      await smallApi.post(`/api/sessions/${session.id}/prompt`, { text: "/stream 60000 4000" });
      await waitFor(
        () => smallApi.get(`/api/sessions/${session.id}`),
        (s) => s.eventCount > 500,
        30_000,
        50,
      );
      // Take the database away from the portal for a few seconds: no new connections, old ones cut.
      await admin.query(`ALTER DATABASE ${own.name} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [own.name]);
      // While it is away, requests get a clear 503, not a 500.
      const refused = await smallApi.request("GET", `/api/sessions/${session.id}`);
      expect({ status: refused.status, type: refused.headers.get("content-type") }).toEqual({ status: 503, type: "application/problem+json" });
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      await admin.query(`ALTER DATABASE ${own.name} ALLOW_CONNECTIONS true`);

      const ended = await waitForIdle(smallApi, session.id, 200_000).catch((error) => {
        throw new Error(`${error.message}\nportal output:\n${small.output().slice(-3000)}`);
      });
      expect(ended.lastStopReason).toBe("paused");
      const events = await allEvents(smallApi, session.id);
      expectDense(events);
      const numbers = sequenceNumbers(events);
      expect(numbers.length).toBeGreaterThan(3000);
      expect(numbers.length).toBeLessThan(60_000);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      expect(events.at(-1)?.payload).toMatchObject({ type: "turn_ended", stopReason: "paused" });
    } finally {
      await admin.query(`ALTER DATABASE ${own.name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
      await small.stop();
      removeDir(small.dataDir);
      await own.drop();
    }
  }, 300_000);
});

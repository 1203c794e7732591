import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allEvents,
  apiFor,
  createTestDatabase,
  defaultTeamId,
  externalRuntime,
  removeDir,
  startPortal,
  tokenClient,
  waitFor,
  waitForIdle,
  type Api,
  type ExternalRuntime,
  type Portal,
  type TestDatabase,
} from "./harness";

// Three portal instances (each a real `next start`) on one PostgreSQL, sharing one external
// runtime. Any instance takes any request; a session's commands run on the instance that owns its
// sandbox; when the owner dies another one takes its sessions over, and they come back once.

const LEASE_SECONDS = 5;
let runtime: ExternalRuntime;
let database: TestDatabase;
const portals: Portal[] = [];
let apis: Api[];
let env: Record<string, string>;

beforeAll(async () => {
  runtime = await externalRuntime();
  database = await createTestDatabase("portal_instances");
  // Instances of one portal share its secret (cookies and tokens work on each of them).
  env = { ...runtime.env, NEXTAUTH_SECRET: randomBytes(32).toString("hex"), PORTAL_INSTANCE_LEASE_SECONDS: String(LEASE_SECONDS) };
  for (let i = 0; i < 3; i++) portals.push(await startPortal({ databaseUrl: database.url, env }));
  apis = await Promise.all(portals.map((portal) => apiFor(portal.baseUrl)));
}, 180_000);

afterAll(async () => {
  for (const portal of portals) await portal.stop();
  await runtime?.remove();
  for (const portal of portals) removeDir(portal.dataDir);
  await database?.drop();
});

async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The port of the instance that owns a session's sandbox (instance labels are host:port pid N). */
async function ownerPort(sessionId: string): Promise<number | null> {
  const [row] = await query<{ label: string | null }>(
    "SELECT i.label FROM sessions s JOIN sandboxes b ON b.id = s.sandbox_id LEFT JOIN portal_instances i ON i.id = b.owner_id WHERE s.id = $1",
    [sessionId],
  );
  const port = /:(\d+) pid/.exec(row?.label ?? "")?.[1];
  return port ? Number(port) : null;
}

const portOf = (portal: Portal) => Number(new URL(portal.baseUrl).port);
const sessionNews = (events: Awaited<ReturnType<typeof allEvents>>) =>
  events.filter((e) => e.sender === "client" && e.payload?.method === "session/new").length;
const portalEvents = (events: Awaited<ReturnType<typeof allEvents>>, type: string) => events.filter((e) => e.sender === "portal" && e.payload?.type === type);
const replyText = (events: Awaited<ReturnType<typeof allEvents>>) =>
  events
    .filter((e) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
    .map((e) => e.payload.params.update.content.text)
    .join("");

describe("several portal instances on one database", () => {
  it("runs a session's commands on its owner, whichever instance a request reaches", async () => {
    const [a, b, c] = apis as [Api, Api, Api];
    const teamId = await defaultTeamId(a);
    const created = await a.request("POST", "/api/sessions", { teamId, agent: "demo" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(await ownerPort(id)).toBe(portOf(portals[0]!));

    // A prompt through B, read through C.
    const prompted = await b.request("POST", `/api/sessions/${id}/prompt`, { text: "remember the teal heron" });
    expect(prompted.status).toBe(202);
    expect(prompted.body.turnId).toEqual(expect.any(String));
    await waitForIdle(c, id);

    // A turn cancelled through C.
    await b.post(`/api/sessions/${id}/prompt`, { text: "/sleep 60000" });
    await waitFor(
      () => a.get(`/api/sessions/${id}`),
      (s) => s.status === "running",
      15_000,
    );
    const cancelled = await c.request("POST", `/api/sessions/${id}/cancel`);
    expect(cancelled.status).toBeLessThan(300);
    const afterCancel = await waitForIdle(b, id, 30_000);
    expect(afterCancel.lastStopReason).toBe("cancelled");

    // A permission asked on A's runtime connection, answered through B.
    await a.post(`/api/sessions/${id}/prompt`, { text: "/tool" });
    const asked = await waitFor(
      () => c.get(`/api/sessions/${id}`),
      (s) => s.pendingPermissions?.length === 1,
      15_000,
    );
    const permissionId = asked.pendingPermissions[0].id as string;
    const answered = await b.request("POST", `/api/sessions/${id}/permissions/${permissionId}`, { reply: "once" });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ id: permissionId, status: "resolved", reply: "once" });
    await waitForIdle(a, id);
    // A second answer, through another instance, is the owner's 409 as well.
    const again = await c.request("POST", `/api/sessions/${id}/permissions/${permissionId}`, { reply: "once" });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");

    // A settings change through C, and a bad one whose 422 comes back from the owner as it is.
    const renamed = await c.request("PATCH", `/api/sessions/${id}`, { title: "Heron watch" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe("Heron watch");
    const refused = await b.request("PATCH", `/api/sessions/${id}`, { model: "no-such-model" });
    expect(refused.status).toBe(422);

    const events = await allEvents(c, id);
    expect(sessionNews(events)).toBe(1);
    expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i + 1));
    expect(portalEvents(events, "turn_ended").map((e) => e.payload.stopReason)).toEqual(["end_turn", "cancelled", "end_turn"]);
    expect(portalEvents(events, "permission_resolved")).toHaveLength(1);
    expect(replyText(events)).toContain("teal heron");
    // Nothing was left waiting in the command queue.
    expect(await query("SELECT id FROM session_commands")).toEqual([]);
    // Instance admins see every instance and what it owns, from any of them.
    const { instances } = await b.get("/api/admin/runtime");
    expect(instances).toHaveLength(3);
    expect(instances.filter((instance: { self: boolean }) => instance.self)).toHaveLength(1);
    expect(instances.find((instance: { label: string }) => instance.label.includes(`:${portOf(portals[0]!)} `)).sandboxes).toBeGreaterThanOrEqual(1);
  });

  it("gives back a stopped owner's sessions at once, restorable, to the next instance that is asked", async () => {
    const [, b, c] = apis as [Api, Api, Api];
    const teamId = await defaultTeamId(c);
    const { body: session } = await c.request("POST", "/api/sessions", { teamId, agent: "demo" });
    await c.post(`/api/sessions/${session.id}/prompt`, { text: "remember the olive wren" });
    await waitForIdle(c, session.id);
    expect(await ownerPort(session.id)).toBe(portOf(portals[2]!));

    await portals[2]!.stop();
    // Released by the clean stop itself, not after a lease.
    expect((await b.get(`/api/sessions/${session.id}`)).status).toBe("restorable");
    expect(await ownerPort(session.id)).toBeNull();

    expect((await b.request("POST", `/api/sessions/${session.id}/prompt`, { text: "/recall" })).status).toBe(202);
    await waitForIdle(b, session.id);
    expect(await ownerPort(session.id)).toBe(portOf(portals[1]!));
    const events = await allEvents(b, session.id);
    expect(portalEvents(events, "restored")).toHaveLength(1);
    expect(replyText(events)).toContain("olive wren");
  });

  it("takes a killed owner's sessions over after its lease: the turn ends interrupted, and one of two racing prompts restores it once", async () => {
    const [a, b] = apis as [Api, Api, Api];
    // C was stopped above: start a third instance again so the race goes through two survivors.
    portals[2] = await startPortal({ databaseUrl: database.url, env });
    const teamId = await defaultTeamId(a);
    const { body: session } = await a.request("POST", "/api/sessions", { teamId, agent: "demo" });
    await b.post(`/api/sessions/${session.id}/prompt`, { text: "remember the violet lynx" });
    await waitForIdle(b, session.id);
    await b.post(`/api/sessions/${session.id}/prompt`, { text: "/sleep 120000" });
    await waitFor(
      () => b.get(`/api/sessions/${session.id}`),
      (s) => s.status === "running",
      15_000,
    );
    const before = await allEvents(b, session.id);

    await portals[0]!.kill();
    const killedAt = Date.now();
    const taken = await waitFor(
      () => b.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
      30_000,
      200,
    );
    const tookMs = Date.now() - killedAt;
    console.log(`[instances] kill -9 of the owner → restorable on a survivor in ${tookMs} ms (lease ${LEASE_SECONDS} s)`);
    expect(tookMs).toBeLessThan(LEASE_SECONDS * 1_000 + 10_000);
    expect(taken.lastStopReason).toBe("interrupted");
    // One of the two survivors took it, whichever reaped first.
    expect([portOf(portals[1]!), portOf(portals[2])]).toContain(await ownerPort(session.id));

    // Two prompts at once, through the owner and through another instance.
    // Tokens live in the shared database: B's works on the new instance too.
    const other = tokenClient(portals[2].baseUrl, b.token);
    const [first, second] = await Promise.all([
      b.request("POST", `/api/sessions/${session.id}/prompt`, { text: "/recall" }),
      other.request("POST", `/api/sessions/${session.id}/prompt`, { text: "/recall" }),
    ]);
    expect([first.status, second.status].sort()).toEqual([202, 409]);
    await waitForIdle(b, session.id);

    const events = await allEvents(b, session.id);
    expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i + 1));
    // Nothing stored before the takeover changed.
    expect(events.slice(0, before.length)).toEqual(before);
    expect(portalEvents(events, "turn_ended").map((e) => e.payload.stopReason)).toEqual(["end_turn", "interrupted", "end_turn"]);
    expect(portalEvents(events, "restored")).toHaveLength(1);
    expect(sessionNews(events)).toBe(2);
    expect(replyText(events.slice(before.length))).toContain("violet lynx");
  });
});

describe("two instances with bwrap sandboxes on one host", () => {
  it("a killed owner's jail comes back on the instance that takes it over, with its files", async () => {
    const bwrapDb = await createTestDatabase("portal_instances_bwrap");
    const bwrapEnv = { NEXTAUTH_SECRET: randomBytes(32).toString("hex"), PORTAL_INSTANCE_LEASE_SECONDS: String(LEASE_SECONDS) };
    const owner = await startPortal({ databaseUrl: bwrapDb.url, env: bwrapEnv });
    const survivor = await startPortal({ databaseUrl: bwrapDb.url, env: bwrapEnv });
    try {
      const [a, b] = await Promise.all([apiFor(owner.baseUrl), apiFor(survivor.baseUrl)]);
      const teamId = await defaultTeamId(a);
      const { body: session } = await a.request("POST", "/api/sessions", { teamId, agent: "demo" });
      const say = async (api: Api, text: string) => {
        const { eventCount } = await api.get(`/api/sessions/${session.id}`);
        expect((await api.request("POST", `/api/sessions/${session.id}/prompt`, { text })).status).toBe(202);
        await waitForIdle(api, session.id);
        return replyText((await allEvents(api, session.id)).filter((e) => e.index > eventCount));
      };
      // Written through the survivor, in the owner's jail.
      expect(await say(b, "/write handover.txt kept across the takeover")).toContain("wrote");

      await owner.kill();
      await waitFor(
        () => b.get(`/api/sessions/${session.id}`),
        (s) => s.status === "restorable",
        30_000,
        200,
      );
      expect(await say(b, "/cat handover.txt")).toContain("kept across the takeover");
      const { instances } = await b.get("/api/admin/runtime");
      expect(instances).toEqual([expect.objectContaining({ self: true, sandboxes: 1 })]);
    } finally {
      await owner.kill();
      await survivor.stop();
      removeDir(owner.dataDir);
      removeDir(survivor.dataDir);
      await bwrapDb.drop();
    }
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFor, createTestDatabase, defaultTeamId, removeDir, startPortal, waitFor, waitForIdle, type Api, type Portal, type TestDatabase } from "./harness";
import { sql } from "./session-api-helpers";
import { signatureValid, webhookReceiver } from "./webhook-receiver";

// Webhook deliveries are queued in PostgreSQL and claimed row by row (FOR UPDATE SKIP LOCKED and a
// lease): with two portal instances on one database each delivery goes out once, and a portal
// killed with kill -9 while a delivery waits for its retry leaves it to be delivered, once, by the
// instance that is left.

let database: TestDatabase;
const portals: Portal[] = [];
let apis: Api[];
let teamId: string;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  receiver = await webhookReceiver();
  database = await createTestDatabase("portal_webhooks");
  const env = {
    NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
    PORTAL_WEBHOOK_TARGETS: "loopback",
    PORTAL_WEBHOOK_RETRY_BASE_MS: "3000",
    PORTAL_INSTANCE_LEASE_SECONDS: "5",
  };
  for (let i = 0; i < 2; i++) portals.push(await startPortal({ databaseUrl: database.url, env }));
  apis = await Promise.all(portals.map((portal) => apiFor(portal.baseUrl)));
  teamId = await defaultTeamId(apis[0]!);
}, 180_000);

afterAll(async () => {
  for (const portal of portals) await portal.stop();
  for (const portal of portals) removeDir(portal.dataDir);
  await database?.drop();
  await receiver?.close();
});

describe("webhook deliveries across instances", () => {
  it("go out exactly once each while two instances poll the same queue", async () => {
    const hook = await apis[0]!.post(`/api/teams/${teamId}/webhooks`, { url: receiver.url("/many"), events: ["turn.ended"] });
    // 40 events queued at once, as sessions on both instances would emit them.
    const session = await apis[1]!.post("/api/sessions", { teamId, agent: "demo", title: "Many turns" });
    await sql(
      database.url,
      `INSERT INTO webhook_deliveries (id, webhook_id, team_id, event, payload)
       SELECT gen_random_uuid()::text, $1, $2, 'turn.ended', jsonb_build_object('event', 'turn.ended', 'n', n) FROM generate_series(1, 40) n`,
      [hook.id, teamId],
    );
    await apis[0]!.post(`/api/sessions/${session.id}/prompt`, { text: "one real turn too" });
    await waitForIdle(apis[0]!, session.id);
    await waitFor(
      async () => receiver.received.filter((r) => r.path === "/many").length,
      (count) => count >= 41,
      30_000,
    );
    // Time for a duplicate to show up, were there one.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const ids = receiver.received.filter((r) => r.path === "/many").map((r) => String(r.headers["x-portal-delivery"]));
    expect(ids).toHaveLength(41);
    expect(new Set(ids).size).toBe(41);
    expect(receiver.received.filter((r) => r.path === "/many").every((r) => signatureValid(hook.secret, r))).toBe(true);
    const claimedBy = await sql<{ instances: number }>(
      database.url,
      "SELECT count(DISTINCT claimed_by)::int AS instances FROM webhook_deliveries WHERE status <> 'delivered'",
    );
    expect(claimedBy[0]!.instances).toBe(0);
  });

  it("a portal killed with kill -9 while a delivery waits for its retry: the other instance delivers it, once", async () => {
    await apis[0]!.post(`/api/teams/${teamId}/webhooks`, { url: receiver.url("/crash"), events: ["turn.ended"] });
    receiver.answerNext("/crash", 500);
    const session = await apis[0]!.post("/api/sessions", { teamId, agent: "demo", title: "Crash mid retry" });
    await apis[0]!.post(`/api/sessions/${session.id}/prompt`, { text: "retry across a crash" });
    const first = await waitFor(
      async () => receiver.received.filter((r) => r.path === "/crash"),
      (found) => found.length === 1,
      20_000,
    );
    const deliveryId = String(first[0]!.headers["x-portal-delivery"]);
    const row = () =>
      sql<{ status: string; attempts: number; log: Array<{ status: number | null; instance: string }> }>(
        database.url,
        "SELECT status, attempts, attempt_log AS log FROM webhook_deliveries WHERE id = $1",
        [deliveryId],
      ).then((rows) => rows[0]!);
    const failed = await waitFor(row, (delivery) => delivery.log.length === 1);
    expect(failed).toMatchObject({ status: "pending", attempts: 1, log: [{ status: 500 }] });
    // The instance that made the failed attempt dies while the retry waits (3 s here).
    const [owner] = await sql<{ label: string }>(database.url, "SELECT label FROM portal_instances WHERE id = $1", [failed.log[0]!.instance]);
    const victim = portals.findIndex((portal) => owner!.label.includes(`:${new URL(portal.baseUrl).port} `));
    expect(victim).toBeGreaterThanOrEqual(0);
    await portals[victim]!.kill();
    const delivered = await waitFor(row, (delivery) => delivery.status === "delivered", 30_000, 250);
    // Time for a second delivery to show up, were there one.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const requests = receiver.received.filter((r) => String(r.headers["x-portal-delivery"]) === deliveryId);
    expect(requests).toHaveLength(2);
    expect((await row()).log.map((entry) => entry.status)).toEqual([500, 200]);
    expect(delivered.log[1]!.instance).not.toBe(failed.log[0]!.instance);
    expect(requests[1]!.json).toMatchObject({ event: "turn.ended", session: { id: session.id } });
  });
});

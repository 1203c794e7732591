import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiFor,
  createTestDatabase,
  defaultTeamId,
  removeDir,
  startPortal,
  tokenClient,
  waitFor,
  waitForIdle,
  type Api,
  type Portal,
  type TestDatabase,
} from "./harness";
import { createDemoSession, createMember, expectProblem } from "./session-api-helpers";

// Two real portal instances on one database, as a deployment behind a load balancer runs them: the
// per-user cap on open streams and the per-team cap on running turns hold over both, a killed
// instance's stream slots free themselves, access changes made on one reach streams held on the
// other, and audit entries carry the client's address — a forwarded one only behind a trusted proxy.

const STREAMS_PER_USER = 3;
const LEASE_SECONDS = 5;
const caps = {
  PORTAL_MAX_STREAMS_PER_USER: String(STREAMS_PER_USER),
  PORTAL_MAX_RUNNING_TURNS_PER_TEAM: "1",
  PORTAL_INSTANCE_LEASE_SECONDS: String(LEASE_SECONDS),
  // Instances of one portal share its secret.
  NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
};
const LOOPBACK = /^(127\.0\.0\.1|::1)$/;

let database: TestDatabase;
let first: Portal;
let second: Portal;
/** The bootstrap admin's token, on either instance. */
let onFirst: Api;
let onSecond: Api;
let teamId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  [first, second] = await Promise.all([
    startPortal({ databaseUrl: database.url, env: caps }),
    startPortal({ databaseUrl: database.url, env: { ...caps, PORTAL_TRUST_PROXY: "1" } }),
  ]);
  onFirst = await apiFor(first.baseUrl);
  onSecond = tokenClient(second.baseUrl, onFirst.token);
  teamId = await defaultTeamId(onFirst);
});

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  removeDir(first?.dataDir ?? "");
  removeDir(second?.dataDir ?? "");
  await database?.drop();
});

interface OpenStream {
  status: number;
  headers: Headers;
  /** Everything received so far. */
  text: () => string;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close: () => void;
}

async function openStream(api: Api, path: string): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${api.token}` }, signal: abort.signal });
  let received = "";
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received += decoder.decode(value, { stream: true });
      }
    } catch {
      // closed by the test
    }
  })();
  return { status: response.status, headers: response.headers, text: () => received, ended, close: () => abort.abort() };
}

describe("audit entries", () => {
  it("carry the client's address; X-Forwarded-For counts only where PORTAL_TRUST_PROXY=1", async () => {
    const spoofed = { "x-forwarded-for": "198.51.100.1, 203.0.113.9" };
    const direct = await onFirst.request("POST", `/api/teams/${teamId}/invitations`, { email: "direct@example.test", role: "member" }, spoofed);
    expect(direct.status).toBe(201);
    const proxied = await onSecond.request("POST", `/api/teams/${teamId}/invitations`, { email: "proxied@example.test", role: "member" }, spoofed);
    expect(proxied.status).toBe(201);
    // A session change goes through the journal and the writer's batch statement: it carries the address too.
    const session = await onSecond.request("POST", "/api/sessions", { teamId, agent: "demo", title: "through the proxy" }, spoofed);
    expect(session.status).toBe(201);
    // A prompt that reaches the instance not owning the session runs on its owner, with the request's address.
    const owned = await createDemoSession(onFirst, teamId);
    expect((await onSecond.request("POST", `/api/sessions/${owned.id}/prompt`, { text: "hello" }, spoofed)).status).toBe(202);
    await waitForIdle(onFirst, owned.id);

    const { items } = await onFirst.get(`/api/teams/${teamId}/audit?limit=50`);
    const entry = (action: string, targetId: string) =>
      items.find((item: { action: string; targetId: string }) => item.action === action && item.targetId === targetId);
    // The untrusting instance ignores the header and records the socket's address.
    expect(entry("member.invite", direct.body.id).ip).toMatch(LOOPBACK);
    // Behind a trusted proxy, the last hop's entry is the client.
    expect(entry("member.invite", proxied.body.id).ip).toBe("203.0.113.9");
    expect(entry("session.create", session.body.id).ip).toBe("203.0.113.9");
    expect(entry("session.prompt", owned.id).ip).toBe("203.0.113.9");
  });
});

describe("access changes across instances", () => {
  it("a stream held on one instance hears a role change made on the other, and ends when the member is removed", async () => {
    const member = await createMember(second.baseUrl, database.url, { teamId, role: "member" });
    const session = await createDemoSession(onFirst, teamId);
    const stream = await openStream(member, `/api/sessions/${session.id}/stream`);
    expect(stream.status).toBe(200);
    await waitFor(
      async () => stream.text(),
      (text) => text.startsWith("retry:"),
    );

    expect((await onFirst.request("PATCH", `/api/teams/${teamId}/members/${member.userId}`, { role: "viewer" })).status).toBe(200);
    await waitFor(
      async () => stream.text(),
      (text) => text.includes("event: access"),
    );
    expect(stream.text()).toContain(`event: access\ndata: ${JSON.stringify({ role: "viewer" })}\n\n`);
    // The next action honours the new role, on either instance.
    expectProblem(await member.request("POST", `/api/sessions/${session.id}/prompt`, { text: "hello" }), 403);

    expect((await onFirst.request("DELETE", `/api/teams/${teamId}/members/${member.userId}`)).status).toBe(204);
    await stream.ended;
    expect(stream.text()).toMatch(/event: revoked\ndata: \{\}\n\n$/);
    expectProblem(await member.request("GET", `/api/sessions/${session.id}/stream`), 404);
  });
});

describe("caps across instances", () => {
  it("a team runs at most its cap of turns over both instances", async () => {
    const long = await createDemoSession(onFirst, teamId);
    const other = await createDemoSession(onSecond, teamId);
    expect((await onFirst.request("POST", `/api/sessions/${long.id}/prompt`, { text: "/stream 100000 50" })).status).toBe(202);

    const refused = expectProblem(await onSecond.request("POST", `/api/sessions/${other.id}/prompt`, { text: "hello" }), 429);
    expect(refused.detail).toContain("1 turns at once");

    expect((await onFirst.request("POST", `/api/sessions/${long.id}/cancel`)).status).toBe(202);
    await waitForIdle(onFirst, long.id);
    expect((await onSecond.request("POST", `/api/sessions/${other.id}/prompt`, { text: "hello" })).status).toBe(202);
    await waitForIdle(onSecond, other.id);
  });

  it("a user holds at most their cap of open streams over both instances; a killed instance's slots free themselves", async () => {
    const session = await createDemoSession(onFirst, teamId);
    const path = `/api/sessions/${session.id}/stream`;
    // The "needs you" feed counts as well.
    const held = [await openStream(onFirst, path), await openStream(onFirst, "/api/permissions/stream"), await openStream(onSecond, path)];
    expect(held.map((stream) => stream.status)).toEqual([200, 200, 200]);

    for (const api of [onFirst, onSecond]) {
      const refused = await openStream(api, path);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
    }

    // Closing one on the first instance frees a slot for the second.
    held[0]!.close();
    const reopened = await waitFor(
      () => openStream(onSecond, path),
      (stream) => stream.status === 200,
      10_000,
      200,
    );
    // Now: one on the first instance, two on the second. The second dies without a word.
    await second.kill();
    const stillCounted = await openStream(onFirst, path);
    expect(stillCounted.status).toBe(429);
    const started = Date.now();
    // Its slots stop counting once its lease runs out.
    const freed = await waitFor(
      () => openStream(onFirst, path),
      (stream) => stream.status === 200,
      4 * LEASE_SECONDS * 1000,
      250,
    );
    expect(Date.now() - started).toBeLessThan(2 * LEASE_SECONDS * 1000);
    for (const stream of [...held, reopened, freed]) stream.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, tokenClient, waitForIdle, openPortal, type Api, type Portal, type PortalFixture, type TestDatabase } from "./harness";
import { expectKeysetPaging } from "./paging";
import { createDemoSession, createMember, createTeam, expectProblem, waitForPermission } from "./session-api-helpers";

// Bad input for every session endpoint gets the contract's status as problem+json: unknown ids,
// wrong types, values not offered, malformed JSON (400), wrong content type (415), bodies over
// 1 MiB (413), another team's session (404), the viewer role on writes (403), no token (401).

let fixture: PortalFixture;
let db: TestDatabase;
let portal: Portal;
let owner: Api;
let teamId: string;
let viewer: Api & { userId: string };
let member: Api & { userId: string };
let outsider: Api & { userId: string };
let session: { id: string };
let foreign: { id: string };
let permissionId: string;

beforeAll(async () => {
  fixture = await openPortal();
  ({ db, portal, api: owner, teamId } = fixture);
  viewer = await createMember(portal.baseUrl, db.url, { teamId, role: "viewer" });
  member = await createMember(portal.baseUrl, db.url, { teamId, role: "member" });
  const otherTeam = await createTeam(db.url, "Other team");
  outsider = await createMember(portal.baseUrl, db.url, { teamId: otherTeam, role: "owner" });
  session = await createDemoSession(owner, teamId);
  foreign = await createDemoSession(outsider, otherTeam);
  // A permission left pending in the owner's session for the reply endpoint.
  const asking = await createDemoSession(owner, teamId, { title: "Asking" });
  await owner.post(`/api/sessions/${asking.id}/prompt`, { text: "/tool" });
  permissionId = (await waitForPermission(owner, asking.id)).id;
  permissionSession = asking.id;
});

let permissionSession: string;

afterAll(() => fixture?.close());

interface Endpoint {
  name: string;
  method: string;
  url: () => string;
  body?: () => unknown;
  /** Another team's resource of the same kind. */
  foreignUrl?: () => string;
  unknownUrl?: () => string;
  /** A body of the right shape but wrong types. */
  wrongTypes?: unknown;
  write: boolean;
}

const sessionUrl = () => `/api/sessions/${session.id}`;
const ENDPOINTS: Endpoint[] = [
  {
    name: "create session",
    method: "POST",
    url: () => "/api/sessions",
    body: () => ({ teamId, agent: "demo" }),
    wrongTypes: { teamId: 5, agent: ["demo"], mode: 1 },
    write: true,
  },
  { name: "list sessions", method: "GET", url: () => "/api/sessions", write: false },
  {
    name: "get session",
    method: "GET",
    url: sessionUrl,
    foreignUrl: () => `/api/sessions/${foreign.id}`,
    unknownUrl: () => "/api/sessions/no-such-session",
    write: false,
  },
  {
    name: "patch session",
    method: "PATCH",
    url: sessionUrl,
    body: () => ({ title: "Patched" }),
    foreignUrl: () => `/api/sessions/${foreign.id}`,
    unknownUrl: () => "/api/sessions/no-such-session",
    wrongTypes: { title: 7, mode: false },
    write: true,
  },
  {
    name: "set config option",
    method: "PUT",
    url: () => `${sessionUrl()}/config/model`,
    body: () => ({ value: "demo-large" }),
    foreignUrl: () => `/api/sessions/${foreign.id}/config/model`,
    unknownUrl: () => "/api/sessions/no-such-session/config/model",
    wrongTypes: { value: 3 },
    write: true,
  },
  {
    name: "prompt",
    method: "POST",
    url: () => `${sessionUrl()}/prompt`,
    body: () => ({ text: "hello" }),
    foreignUrl: () => `/api/sessions/${foreign.id}/prompt`,
    unknownUrl: () => "/api/sessions/no-such-session/prompt",
    wrongTypes: { content: "hello" },
    write: true,
  },
  {
    name: "cancel",
    method: "POST",
    url: () => `${sessionUrl()}/cancel`,
    foreignUrl: () => `/api/sessions/${foreign.id}/cancel`,
    unknownUrl: () => "/api/sessions/no-such-session/cancel",
    write: true,
  },
  {
    name: "resume",
    method: "POST",
    url: () => `${sessionUrl()}/resume`,
    foreignUrl: () => `/api/sessions/${foreign.id}/resume`,
    unknownUrl: () => "/api/sessions/no-such-session/resume",
    write: true,
  },
  {
    name: "events",
    method: "GET",
    url: () => `${sessionUrl()}/events`,
    foreignUrl: () => `/api/sessions/${foreign.id}/events`,
    unknownUrl: () => "/api/sessions/no-such-session/events",
    write: false,
  },
  {
    name: "permissions",
    method: "GET",
    url: () => `${sessionUrl()}/permissions`,
    foreignUrl: () => `/api/sessions/${foreign.id}/permissions`,
    unknownUrl: () => "/api/sessions/no-such-session/permissions",
    write: false,
  },
  {
    name: "permission reply",
    method: "POST",
    url: () => `/api/sessions/${permissionSession}/permissions/${permissionId}`,
    body: () => ({ reply: "once" }),
    foreignUrl: () => `/api/sessions/${foreign.id}/permissions/${permissionId}`,
    unknownUrl: () => `/api/sessions/${permissionSession}/permissions/no-such-permission`,
    wrongTypes: { reply: 1 },
    write: true,
  },
  {
    name: "delete session",
    method: "DELETE",
    url: sessionUrl,
    foreignUrl: () => `/api/sessions/${foreign.id}`,
    unknownUrl: () => "/api/sessions/no-such-session",
    write: true,
  },
];

describe.each(ENDPOINTS)("$method $name", (endpoint) => {
  const body = () => endpoint.body?.();

  it("answers 401 without a token or with a bad one", async () => {
    const anonymous = await fetch(`${portal.baseUrl}${endpoint.url()}`, {
      method: endpoint.method,
      headers: { "content-type": "application/json" },
      body: endpoint.body ? JSON.stringify(body()) : undefined,
    });
    expectProblem({ status: anonymous.status, body: await anonymous.json(), headers: anonymous.headers }, 401);
    expectProblem(await tokenClient(portal.baseUrl, "ap_not-a-real-token").request(endpoint.method, endpoint.url(), body()), 401);
  });

  it.runIf(endpoint.foreignUrl)("answers 404 for another team's session, and for an unknown id", async () => {
    expectProblem(await owner.request(endpoint.method, endpoint.foreignUrl!(), body()), 404);
    expectProblem(await outsider.request(endpoint.method, endpoint.url(), body()), 404);
    expectProblem(await owner.request(endpoint.method, endpoint.unknownUrl!(), body()), 404);
  });

  it.runIf(endpoint.write)("answers 403 to a viewer", async () => {
    const problem = expectProblem(await viewer.request(endpoint.method, endpoint.url(), body()), 403);
    expect(problem.detail).toContain("viewer");
  });

  it.runIf(!endpoint.write)("lets a viewer read", async () => {
    expect((await viewer.request(endpoint.method, endpoint.url())).status).toBe(200);
  });

  it.runIf(endpoint.body)("answers 400 for malformed JSON, 415 for another content type, 413 over 1 MiB, 422 for wrong types", async () => {
    const malformed = expectProblem(await owner.request(endpoint.method, endpoint.url(), '{"text": "unterminated'), 400);
    expect(malformed.detail).toContain("JSON");
    expectProblem(await owner.request(endpoint.method, endpoint.url(), JSON.stringify(body()), { "content-type": "text/plain" }), 415);
    expectProblem(await owner.request(endpoint.method, endpoint.url(), JSON.stringify(body()), { "content-type": "application/x-www-form-urlencoded" }), 415);
    expectProblem(await owner.request(endpoint.method, endpoint.url(), { ...(body() as object), padding: "p".repeat(1024 * 1024) }), 413);
    const wrong = expectProblem(await owner.request(endpoint.method, endpoint.url(), endpoint.wrongTypes), 422);
    expect(wrong.errors?.length).toBeGreaterThan(0);
    for (const error of wrong.errors ?? []) expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
    expectProblem(await owner.request(endpoint.method, endpoint.url(), "[]"), 422);
    expectProblem(await owner.request(endpoint.method, endpoint.url(), "null"), 422);
  });
});

describe("query parameters", () => {
  it.each([
    ["/api/sessions?limit=0", "limit"],
    ["/api/sessions?limit=501", "limit"],
    ["/api/sessions?limit=ten", "limit"],
    ["/api/sessions?status=sleeping", "status"],
  ])("%s → 422 naming %s", async (url, path) => {
    const problem = expectProblem(await owner.request("GET", url), 422);
    expect(problem.errors?.map((error) => error.path)).toContain(path);
  });

  // Every list route takes `cursor` (its schema uses cursorParam or pageQuery); the schemas are read, so
  // a new list without a row here fails.
  const LIST_ROUTES: Record<string, Array<() => string>> = {
    "app/api/sessions/schema.ts": [() => "/api/sessions"],
    "app/api/sessions/[id]/events/schema.ts": [() => `${sessionUrl()}/events`],
    "app/api/sessions/[id]/shares/schema.ts": [() => `${sessionUrl()}/shares`],
    "app/api/permissions/schema.ts": [() => "/api/permissions"],
    "app/api/sandboxes/schema.ts": [() => "/api/sandboxes"],
    "app/api/tokens/schema.ts": [() => "/api/tokens"],
    "app/api/me/invitations/schema.ts": [() => "/api/me/invitations"],
    "app/api/me/sign-ins/schema.ts": [() => "/api/me/sign-ins"],
    "app/api/teams/[teamId]/members/schema.ts": [() => `/api/teams/${teamId}/members`],
    "app/api/teams/[teamId]/invitations/schema.ts": [() => `/api/teams/${teamId}/invitations`],
    "app/api/teams/[teamId]/shares/schema.ts": [() => `/api/teams/${teamId}/shares`],
    "app/api/teams/[teamId]/credentials/schema.ts": [() => `/api/teams/${teamId}/credentials`],
    "app/api/teams/[teamId]/audit/schema.ts": [() => `/api/teams/${teamId}/audit`],
    "app/api/admin/users/schema.ts": [() => "/api/admin/users"],
    "app/api/teams/[teamId]/webhooks/schema.ts": [() => `/api/teams/${teamId}/webhooks`, () => `/api/teams/${teamId}/webhooks/${webhookId}/deliveries`],
  };
  let webhookId = "";
  const BAD_CURSORS = [
    "not-a-cursor",
    "x".repeat(2_000),
    Buffer.from(JSON.stringify(["not-a-date", "id"])).toString("base64url"),
    Buffer.from(JSON.stringify([1, 2, 3])).toString("base64url"),
    "-1",
    "99999999999999",
  ];

  it("answers a cursor it did not give out with one status and code on every list: 400 invalid_cursor", async () => {
    const schemas = readdirSync(path.join(ROOT, "app/api"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith("schema.ts") && /cursor: cursorParam|= pageQuery\b/.test(readFileSync(path.join(ROOT, "app/api", file), "utf8")))
      .map((file) => path.join("app/api", file));
    expect(schemas.sort()).toEqual(Object.keys(LIST_ROUTES).sort());
    const webhook = await owner.request("POST", `/api/teams/${teamId}/webhooks`, { url: "https://1.1.1.1/never-called", events: ["budget.reached"] });
    expect(webhook.status).toBe(201);
    webhookId = webhook.body.id;
    for (const [schema, url] of Object.entries(LIST_ROUTES).flatMap(([schema, urls]) => urls.map((url) => [schema, url] as const))) {
      // A good cursor first, so the route is known to page (and the bad ones below are the only difference).
      const first = await owner.request("GET", `${url()}?limit=1`);
      expect(first.status, schema).toBe(200);
      for (const cursor of BAD_CURSORS) {
        const problem = expectProblem(await owner.request("GET", `${url()}?cursor=${encodeURIComponent(cursor)}`), 400, "invalid_cursor");
        expect(
          problem.errors?.map((error) => error.path),
          `${schema} ${cursor.slice(0, 20)}`,
        ).toEqual(["cursor"]);
      }
    }
  });

  it("refuses bad event paging with 422", async () => {
    expectProblem(await owner.request("GET", `${sessionUrl()}/events?after=-1`), 422);
    expectProblem(await owner.request("GET", `${sessionUrl()}/events?limit=0`), 422);
    expectProblem(await owner.request("GET", `${sessionUrl()}/events?limit=501`), 422);
  });

  it("answers 404 for a teamId the caller is not in", async () => {
    expectProblem(await owner.request("GET", `/api/sessions?teamId=${(await outsider.get("/api/me")).teams[0].id}`), 404);
  });
});

describe("roles and state", () => {
  it("lets a member create, prompt, change settings and answer permissions in the team's sessions", async () => {
    const own = await createDemoSession(member, teamId);
    expect((await member.request("PATCH", `/api/sessions/${session.id}`, { mode: "code" })).status).toBe(200);
    expect((await member.request("PUT", `/api/sessions/${session.id}/config/model`, { value: "demo-large" })).status).toBe(200);
    const asking = await createDemoSession(owner, teamId);
    await owner.post(`/api/sessions/${asking.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(owner, asking.id);
    expect((await member.request("POST", `/api/sessions/${asking.id}/permissions/${pending.id}`, { reply: "once" })).status).toBe(200);
    await waitForIdle(owner, asking.id);
    expect((await member.request("POST", `/api/sessions/${own.id}/prompt`, { text: "mine" })).status).toBe(202);
    await waitForIdle(member, own.id);
  });

  it("lets members destroy only their own sessions; admins and owners destroy any", async () => {
    const ownersSession = await createDemoSession(owner, teamId);
    const membersSession = await createDemoSession(member, teamId);
    const refused = expectProblem(await member.request("DELETE", `/api/sessions/${ownersSession.id}`), 403);
    expect(refused.detail).toContain("own");
    expect((await member.request("DELETE", `/api/sessions/${membersSession.id}`)).status).toBe(204);
    expect((await owner.request("DELETE", `/api/sessions/${ownersSession.id}`)).status).toBe(204);
    const another = await createDemoSession(member, teamId);
    expect((await owner.request("DELETE", `/api/sessions/${another.id}`)).status).toBe(204);
  });

  it("answers 409 to a prompt while a turn runs, and 422 to settings the agent does not offer", async () => {
    const busy = await createDemoSession(owner, teamId);
    await owner.post(`/api/sessions/${busy.id}/prompt`, { text: "/sleep 1500" });
    const conflict = expectProblem(await owner.request("POST", `/api/sessions/${busy.id}/prompt`, { text: "again" }), 409);
    expect(conflict.detail).toContain("running");
    const mode = expectProblem(await owner.request("PATCH", `/api/sessions/${busy.id}`, { mode: "turbo" }), 422);
    expect(mode.errors).toEqual([{ path: "mode", message: "must be one of: ask, code" }]);
    await waitForIdle(owner, busy.id);
  });

  it("personal tokens: shown once, listed without secrets, revoked at once; another user's token is a 404", async () => {
    const created = await owner.createToken({ name: "script" });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: "script",
      token: expect.stringMatching(/^ap_/),
      createdAt: expect.any(String),
      expiresAt: null,
    });
    const script = tokenClient(portal.baseUrl, created.body.token);
    expect((await script.get("/api/me")).user.id).toBe((await owner.get("/api/me")).user.id);
    const listed = await owner.get("/api/tokens");
    expect(listed.items.find((token: any) => token.id === created.body.id)).toEqual({
      id: created.body.id,
      name: "script",
      createdAt: created.body.createdAt,
      lastUsedAt: expect.any(String),
      expiresAt: null,
      expired: false,
    });
    expect(JSON.stringify(listed)).not.toContain(created.body.token);
    for (const name of ["second", "third"]) expect((await owner.createToken({ name })).status).toBe(201);
    const tokens = await expectKeysetPaging(owner, "/api/tokens", { atLeast: 4, newestFirst: "createdAt" });
    expect(tokens.slice(0, 3).map((token) => token.name)).toEqual(["third", "second", "script"]);
    expectProblem(await outsider.request("DELETE", `/api/tokens/${created.body.id}`), 404);
    expect((await owner.request("DELETE", `/api/tokens/${created.body.id}`)).status).toBe(204);
    expectProblem(await script.request("GET", "/api/me"), 401);
    expectProblem(await owner.request("DELETE", `/api/tokens/${created.body.id}`), 404);
    // A token cannot mint tokens (they would outlive it): only a browser sign-in can.
    expectProblem(await member.request("POST", "/api/tokens", { name: "child" }), 403);
    expect((await owner.createToken({ name: "" })).status).toBe(422);
  });

  it("never leaks internals in a problem", async () => {
    const responses = [
      await owner.request("POST", "/api/sessions", '{"teamId":'),
      await owner.request("GET", "/api/sessions/%00"),
      await owner.request("PUT", `${sessionUrl()}/config/${"x".repeat(300)}`, { value: "v" }),
      await owner.request("POST", `/api/sessions/${permissionSession}/permissions/${"y".repeat(500)}`, { reply: "once" }),
      await owner.request("POST", `/api/sessions/${permissionSession}/permissions/%00`, { reply: "once" }),
      await owner.request("PATCH", sessionUrl(), { title: "nul\u0000title" }),
      await owner.request("POST", "/api/sessions", { teamId: `${teamId}\u0000`, agent: "demo" }),
      await owner.request("GET", "/api/sessions?q=%00"),
      await owner.request("GET", "/api/sessions?createdBy=%00&agent=%00"),
      await owner.request("GET", `/api/sessions?cursor=${Buffer.from(JSON.stringify([new Date().toISOString(), "\u0000"])).toString("base64url")}`),
      await owner.request("DELETE", "/api/tokens/%00"),
      await owner.request("POST", "/api/tokens", { name: "a\u0000b" }),
    ];
    for (const response of responses) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const text = JSON.stringify(response.body);
      expect(text).not.toMatch(/prisma|postgres|stack|at \w+ \(|127\.0\.0\.1|SELECT |INSERT |invalid byte/i);
    }
  });
});

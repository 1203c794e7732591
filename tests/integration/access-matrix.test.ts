import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepository, startGitServer, type GitServer } from "../fixtures/git-server";
import { apiFor, openPortal, ROOT, tokenClient, waitForIdle, type Api, type PortalFixture } from "./harness";

// Who may call what: every route file under app/api, every method it exports, as ten callers,
// against the contract's status for each cell. The routes are read from the files, so a route (or
// a method) without a row here fails the first test.

const CALLERS = ["anonymous", "revokedToken", "expiredToken", "disabledUser", "outsider", "viewer", "member", "admin", "owner", "instanceAdmin"] as const;
type Caller = (typeof CALLERS)[number];
type Cells = Record<Caller, number>;

const PASSWORD = "a-long-enough-password";
const SIGNED_OUT = { anonymous: 401, revokedToken: 401, expiredToken: 401, disabledUser: 401 } as const;
/** Any signed-in caller gets `ok`. */
const self = (ok: number): Cells => ({ ...SIGNED_OUT, outsider: ok, viewer: ok, member: ok, admin: ok, owner: ok, instanceAdmin: ok });
/** Everyone, signed in or not (`withPublicRoute`). */
const open = (ok: number): Cells => ({
  anonymous: ok,
  revokedToken: ok,
  expiredToken: ok,
  disabledUser: ok,
  outsider: ok,
  viewer: ok,
  member: ok,
  admin: ok,
  owner: ok,
  instanceAdmin: ok,
});
/** The instance admin flag, whatever the team. */
const instance = (ok: number): Cells => ({ ...self(403), instanceAdmin: ok });
/** A role in the team T: below it 403; outside the team 404 (the instance admin is not in T). */
function team(min: "viewer" | "member" | "admin" | "owner", ok: number): Cells {
  const rank = ["viewer", "member", "admin", "owner"];
  const at = (role: string) => (rank.indexOf(role) >= rank.indexOf(min) ? ok : 403);
  return { ...SIGNED_OUT, outsider: 404, instanceAdmin: 404, viewer: at("viewer"), member: at("member"), admin: at("admin"), owner: at("owner") };
}

interface World {
  teamId: string;
  sessionId: string;
  sandboxId: string;
  /** A sandbox cloned from T's repository, with a change in its workspace. */
  repoSandboxId: string;
  /** A live terminal in `sandboxId`. */
  terminalId: string;
  owner: Api;
  fresh: {
    session(): Promise<string>;
    sandbox(): Promise<string>;
    invitation(): Promise<string>;
    viewerId(): Promise<string>;
    repository(): Promise<string>;
    terminal(): Promise<string>;
    /** A team laid out like T: the same viewer, member, admin and owner. */
    team(): Promise<string>;
  };
  strangerInvitationId: string;
  strangerTokenId: string;
  plainUserId: string;
}

interface Row {
  /** Path with real ids put in; built per cell so destructive rows get a resource of their own. */
  path(world: World): Promise<string> | string;
  body?: (world: World) => unknown;
  cells: Cells;
  /** For streams: only the status is read, then the request is aborted. */
  stream?: boolean;
}

const unique = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.test`;

const ROWS: Record<string, Row | { exempt: string }> = {
  "GET /api/[[...path]]": { path: () => "/api/no/such/route", cells: open(404) },
  "HEAD /api/[[...path]]": { path: () => "/api/no/such/route", cells: open(404) },
  "POST /api/[[...path]]": { path: () => "/api/no/such/route", body: () => ({}), cells: open(404) },
  "PUT /api/[[...path]]": { path: () => "/api/no/such/route", body: () => ({}), cells: open(404) },
  "PATCH /api/[[...path]]": { path: () => "/api/no/such/route", body: () => ({}), cells: open(404) },
  "DELETE /api/[[...path]]": { path: () => "/api/no/such/route", cells: open(404) },
  "OPTIONS /api/[[...path]]": { path: () => "/api/no/such/route", cells: open(404) },
  "GET /api/auth/[...nextauth]": { exempt: "next-auth's own endpoints (csrf, session, sign-in, sign-out): covered by door.test.ts" },
  "POST /api/auth/[...nextauth]": { exempt: "next-auth's own endpoints (csrf, session, sign-in, sign-out): covered by door.test.ts" },
  "GET /api/health": { path: () => "/api/health", cells: open(200) },
  "GET /api/agents": { path: () => "/api/agents", cells: self(200) },

  "GET /api/me": { path: () => "/api/me", cells: self(200) },
  "PATCH /api/me": { path: () => "/api/me", body: () => ({ name: "Matrix" }), cells: self(200) },
  "GET /api/me/invitations": { path: () => "/api/me/invitations", cells: self(200) },
  // Someone else's invitation: nobody but its addressee can see or answer it.
  "POST /api/me/invitations/[invitationId]/accept": { path: (w) => `/api/me/invitations/${w.strangerInvitationId}/accept`, cells: self(404) },
  "POST /api/me/invitations/[invitationId]/decline": { path: (w) => `/api/me/invitations/${w.strangerInvitationId}/decline`, cells: self(404) },
  "POST /api/invitations/[token]/accept": {
    path: () => "/api/invitations/inv_not-a-real-link/accept",
    body: () => ({ name: "X", password: PASSWORD }),
    cells: open(404),
  },
  // A wrong current password: the access check passes, the change does not happen.
  "PUT /api/me/password": {
    path: () => "/api/me/password",
    body: () => ({ currentPassword: "not-the-password", newPassword: "another-long-password" }),
    cells: self(422),
  },
  "POST /api/me/sign-out-everywhere": { path: () => "/api/me/sign-out-everywhere", cells: self(204) },
  "GET /api/me/sign-ins": { path: () => "/api/me/sign-ins", cells: self(200) },

  // The inbox: every caller sees the pending permissions of their own teams only.
  "GET /api/permissions": { path: () => "/api/permissions", cells: self(200) },
  "GET /api/permissions/stream": { path: () => "/api/permissions/stream", cells: self(200), stream: true },

  "GET /api/tokens": { path: () => "/api/tokens", cells: self(200) },
  // Every caller here holds a token, and a token cannot mint tokens.
  "POST /api/tokens": { path: () => "/api/tokens", body: () => ({ name: "child" }), cells: self(403) },
  "DELETE /api/tokens/[tokenId]": { path: (w) => `/api/tokens/${w.strangerTokenId}`, cells: self(404) },

  "POST /api/teams": { path: () => "/api/teams", body: () => ({ name: "Matrix team" }), cells: self(201) },
  "DELETE /api/teams/[teamId]": { path: async (w) => `/api/teams/${await w.fresh.team()}`, body: () => ({ name: "doomed team" }), cells: team("owner", 204) },
  "GET /api/teams/[teamId]/members": { path: (w) => `/api/teams/${w.teamId}/members`, cells: team("viewer", 200) },
  "POST /api/teams/[teamId]/members": {
    path: (w) => `/api/teams/${w.teamId}/members`,
    body: () => ({ email: unique("provisioned"), role: "viewer", password: PASSWORD }),
    cells: instance(201),
  },
  "PATCH /api/teams/[teamId]/members/[userId]": {
    path: async (w) => `/api/teams/${w.teamId}/members/${await w.fresh.viewerId()}`,
    body: () => ({ role: "member" }),
    cells: team("admin", 200),
  },
  "DELETE /api/teams/[teamId]/members/[userId]": { path: async (w) => `/api/teams/${w.teamId}/members/${await w.fresh.viewerId()}`, cells: team("admin", 204) },
  "GET /api/teams/[teamId]/audit": { path: (w) => `/api/teams/${w.teamId}/audit`, cells: team("admin", 200) },
  "GET /api/teams/[teamId]/invitations": { path: (w) => `/api/teams/${w.teamId}/invitations`, cells: team("viewer", 200) },
  "POST /api/teams/[teamId]/invitations": {
    path: (w) => `/api/teams/${w.teamId}/invitations`,
    body: () => ({ email: unique("invited"), role: "viewer" }),
    cells: team("admin", 201),
  },
  "DELETE /api/teams/[teamId]/invitations/[invitationId]": {
    path: async (w) => `/api/teams/${w.teamId}/invitations/${await w.fresh.invitation()}`,
    cells: team("admin", 204),
  },

  // A team governs its agents (issue 20). Ids that name nothing: the role check comes first (403), then 404.
  "GET /api/teams/[teamId]/policy": { path: (w) => `/api/teams/${w.teamId}/policy`, cells: team("admin", 200) },
  "PUT /api/teams/[teamId]/policy": { path: (w) => `/api/teams/${w.teamId}/policy`, body: () => ({ rules: [] }), cells: team("admin", 200) },
  "GET /api/teams/[teamId]/budget": { path: (w) => `/api/teams/${w.teamId}/budget`, cells: team("admin", 200) },
  "PUT /api/teams/[teamId]/budget": { path: (w) => `/api/teams/${w.teamId}/budget`, body: () => ({ monthlyUsd: 100 }), cells: team("admin", 200) },
  "GET /api/teams/[teamId]/usage": { path: (w) => `/api/teams/${w.teamId}/usage?groupBy=model`, cells: team("viewer", 200) },
  "GET /api/teams/[teamId]/shares": { path: (w) => `/api/teams/${w.teamId}/shares`, cells: team("viewer", 200) },
  "GET /api/teams/[teamId]/webhooks": { path: (w) => `/api/teams/${w.teamId}/webhooks`, cells: team("admin", 200) },
  // A public address (nothing is sent: the webhook hears of nothing that happens here).
  "POST /api/teams/[teamId]/webhooks": {
    path: (w) => `/api/teams/${w.teamId}/webhooks`,
    body: () => ({ url: "http://93.184.216.34/hook", events: ["budget.reached"] }),
    cells: team("admin", 201),
  },
  "DELETE /api/teams/[teamId]/webhooks/[webhookId]": {
    path: (w) => `/api/teams/${w.teamId}/webhooks/00000000-0000-4000-8000-000000000000`,
    cells: team("admin", 404),
  },
  "GET /api/teams/[teamId]/webhooks/[webhookId]/deliveries": {
    path: (w) => `/api/teams/${w.teamId}/webhooks/00000000-0000-4000-8000-000000000000/deliveries`,
    cells: team("admin", 404),
  },
  "POST /api/teams/[teamId]/webhooks/[webhookId]/test": {
    path: (w) => `/api/teams/${w.teamId}/webhooks/00000000-0000-4000-8000-000000000000/test`,
    cells: team("admin", 404),
  },
  "GET /api/sessions/[id]/shares": { path: (w) => `/api/sessions/${w.sessionId}/shares`, cells: team("viewer", 200) },
  "POST /api/sessions/[id]/shares": { path: (w) => `/api/sessions/${w.sessionId}/shares`, body: () => ({ expiresInDays: 1 }), cells: team("member", 201) },
  "DELETE /api/sessions/[id]/shares/[shareId]": {
    path: (w) => `/api/sessions/${w.sessionId}/shares/00000000-0000-4000-8000-000000000000`,
    cells: team("member", 404),
  },
  // The link is the key: no sign-in, and a link that does not work is a 404 for everyone.
  "GET /api/share/[token]/events": { path: () => `/api/share/shr_${"x".repeat(32)}/events`, cells: open(404) },
  "GET /api/share/[token]/stream": { path: () => `/api/share/shr_${"x".repeat(32)}/stream`, cells: open(404) },

  "GET /api/admin/runtime": { path: () => "/api/admin/runtime", cells: instance(200) },
  "GET /api/admin/agents": { path: () => "/api/admin/agents", cells: instance(200) },
  "GET /api/metrics": { path: () => "/api/metrics", cells: instance(200) },
  // An id outside the catalog (a real one would start a 100+ MB npm install): 404 for the instance admin.
  "POST /api/admin/agents/[agentId]/install": { path: () => "/api/admin/agents/amp/install", cells: instance(404) },
  "GET /api/admin/users": { path: () => "/api/admin/users", cells: instance(200) },
  "PATCH /api/admin/users/[userId]": { path: (w) => `/api/admin/users/${w.plainUserId}`, body: () => ({ isInstanceAdmin: false }), cells: instance(200) },
  "GET /api/admin/settings": { path: () => "/api/admin/settings", cells: instance(200) },
  "PUT /api/admin/settings": { path: () => "/api/admin/settings", body: () => ({ teamCreation: "everyone" }), cells: instance(200) },
  "GET /api/admin/sso": { path: () => "/api/admin/sso", cells: instance(200) },
  // No secret stored and none given: the instance admin's PUT is refused as invalid, after the role check.
  "PUT /api/admin/sso": {
    path: () => "/api/admin/sso",
    body: () => ({ issuer: "http://127.0.0.1:9", clientId: "matrix", allowedDomains: [], groupRoles: [] }),
    cells: instance(422),
  },
  "DELETE /api/admin/sso": { path: () => "/api/admin/sso", cells: instance(204) },

  "GET /api/teams/[teamId]/credentials": { path: (w) => `/api/teams/${w.teamId}/credentials`, cells: team("admin", 200) },
  "PUT /api/teams/[teamId]/credentials/[provider]": {
    path: (w) => `/api/teams/${w.teamId}/credentials/openai`,
    body: () => ({ apiKey: "sk-matrix-0123456789" }),
    cells: team("admin", 200),
  },
  "DELETE /api/teams/[teamId]/credentials/[provider]": {
    exempt: "removing a key needs one set for each caller: credentials.test.ts holds admins to 204, members to 403, other teams to 404",
  },
  // Working in and out of a sandbox (issue 21): the repositories of T, a sandbox cloned from one with
  // a change in it, and a live terminal in the world's sandbox.
  "GET /api/teams/[teamId]/repositories": { path: (w) => `/api/teams/${w.teamId}/repositories`, cells: team("member", 200) },
  "POST /api/teams/[teamId]/repositories": {
    path: (w) => `/api/teams/${w.teamId}/repositories`,
    body: () => ({ name: `matrix-${Math.random().toString(36).slice(2, 9)}`, url: "https://git.example.test/matrix.git", defaultBranch: "main" }),
    cells: team("admin", 201),
  },
  "DELETE /api/teams/[teamId]/repositories/[repoId]": {
    path: async (w) => `/api/teams/${w.teamId}/repositories/${await w.fresh.repository()}`,
    cells: team("admin", 204),
  },
  "GET /api/teams/[teamId]/mcp": { path: (w) => `/api/teams/${w.teamId}/mcp`, cells: team("admin", 200) },
  "PUT /api/teams/[teamId]/mcp": { path: (w) => `/api/teams/${w.teamId}/mcp`, body: () => ({ servers: [] }), cells: team("admin", 200) },
  "GET /api/teams/[teamId]/skills": { path: (w) => `/api/teams/${w.teamId}/skills`, cells: team("admin", 200) },
  "PUT /api/teams/[teamId]/skills": { path: (w) => `/api/teams/${w.teamId}/skills`, body: () => ({ sources: [] }), cells: team("admin", 200) },
  "GET /api/sandboxes/[id]/changes": { path: (w) => `/api/sandboxes/${w.repoSandboxId}/changes`, cells: team("viewer", 200) },
  "GET /api/sandboxes/[id]/changes/diff": { path: (w) => `/api/sandboxes/${w.repoSandboxId}/changes/diff?path=matrix.txt`, cells: team("viewer", 200) },
  "GET /api/sandboxes/[id]/changes.patch": { path: (w) => `/api/sandboxes/${w.repoSandboxId}/changes.patch`, cells: team("viewer", 200) },
  "GET /api/sandboxes/[id]/archive": { path: (w) => `/api/sandboxes/${w.repoSandboxId}/archive`, cells: team("viewer", 200) },
  // Each allowed caller pushes a branch of its own.
  "POST /api/sandboxes/[id]/push": {
    path: (w) => `/api/sandboxes/${w.repoSandboxId}/push`,
    body: () => ({ branch: `matrix/${Math.random().toString(36).slice(2, 9)}`, message: "matrix" }),
    cells: team("member", 200),
  },
  "GET /api/sandboxes/[id]/terminals": { path: (w) => `/api/sandboxes/${w.sandboxId}/terminals`, cells: team("viewer", 200) },
  "POST /api/sandboxes/[id]/terminals": { path: (w) => `/api/sandboxes/${w.sandboxId}/terminals`, body: () => ({}), cells: team("member", 201) },
  // Viewers watch a terminal; typing, resizing and closing are a member's.
  "GET /api/sandboxes/[id]/terminals/[tid]/stream": {
    path: (w) => `/api/sandboxes/${w.sandboxId}/terminals/${w.terminalId}/stream`,
    cells: team("viewer", 200),
    stream: true,
  },
  // The socket's ticket: viewers watch on the socket too (it refuses their keystrokes).
  "POST /api/sandboxes/[id]/terminals/[tid]/socket-ticket": {
    path: (w) => `/api/sandboxes/${w.sandboxId}/terminals/${w.terminalId}/socket-ticket`,
    cells: team("viewer", 201),
  },
  "POST /api/sandboxes/[id]/terminals/[tid]/input": {
    path: (w) => `/api/sandboxes/${w.sandboxId}/terminals/${w.terminalId}/input`,
    body: () => ({ data: "true\n" }),
    cells: team("member", 204),
  },
  "POST /api/sandboxes/[id]/terminals/[tid]/resize": {
    path: (w) => `/api/sandboxes/${w.sandboxId}/terminals/${w.terminalId}/resize`,
    body: () => ({ cols: 100, rows: 30 }),
    cells: team("member", 204),
  },
  "DELETE /api/sandboxes/[id]/terminals/[tid]": {
    path: async (w) => `/api/sandboxes/${w.sandboxId}/terminals/${await w.fresh.terminal()}`,
    cells: team("member", 204),
  },
  "GET /api/sandboxes": { path: (w) => `/api/sandboxes?teamId=${w.teamId}`, cells: team("viewer", 200) },
  "GET /api/sandboxes/[id]": { path: (w) => `/api/sandboxes/${w.sandboxId}`, cells: team("viewer", 200) },
  "POST /api/sandboxes/[id]/stop": { path: async (w) => `/api/sandboxes/${await w.fresh.sandbox()}/stop`, cells: team("admin", 202) },
  "DELETE /api/sandboxes/[id]": { path: async (w) => `/api/sandboxes/${await w.fresh.sandbox()}`, cells: team("admin", 204) },
  "GET /api/sandboxes/[id]/files": { path: (w) => `/api/sandboxes/${w.sandboxId}/files`, cells: team("viewer", 200) },
  "GET /api/sandboxes/[id]/files/content": { path: (w) => `/api/sandboxes/${w.sandboxId}/files/content?path=matrix.txt`, cells: team("viewer", 200) },

  "GET /api/sessions": { path: (w) => `/api/sessions?teamId=${w.teamId}`, cells: team("viewer", 200) },
  "POST /api/sessions": { path: () => "/api/sessions", body: (w) => ({ teamId: w.teamId, agent: "demo", title: "matrix" }), cells: team("member", 201) },
  "GET /api/sessions/[id]": { path: (w) => `/api/sessions/${w.sessionId}`, cells: team("viewer", 200) },
  "PATCH /api/sessions/[id]": { path: (w) => `/api/sessions/${w.sessionId}`, body: () => ({ title: "renamed" }), cells: team("member", 200) },
  // The owner started it: a member may destroy only their own.
  "DELETE /api/sessions/[id]": { path: async (w) => `/api/sessions/${await w.fresh.session()}`, cells: team("admin", 204) },
  "POST /api/sessions/[id]/prompt": {
    path: async (w) => `/api/sessions/${await w.fresh.session()}/prompt`,
    body: () => ({ text: "hello" }),
    cells: team("member", 202),
  },
  // Nothing runs: allowed callers learn that (409), the others never get that far.
  "POST /api/sessions/[id]/cancel": { path: (w) => `/api/sessions/${w.sessionId}/cancel`, cells: team("member", 409) },
  "POST /api/sessions/[id]/resume": { path: (w) => `/api/sessions/${w.sessionId}/resume`, cells: team("member", 200) },
  "PUT /api/sessions/[id]/config/[optionId]": {
    path: (w) => `/api/sessions/${w.sessionId}/config/model`,
    body: () => ({ value: "demo-small" }),
    cells: team("member", 200),
  },
  "GET /api/sessions/[id]/events": { path: (w) => `/api/sessions/${w.sessionId}/events`, cells: team("viewer", 200) },
  "GET /api/sessions/[id]/changed-files": { path: (w) => `/api/sessions/${w.sessionId}/changed-files`, cells: team("viewer", 200) },
  "GET /api/sessions/[id]/stream": { path: (w) => `/api/sessions/${w.sessionId}/stream`, cells: team("viewer", 200), stream: true },
  "GET /api/sessions/[id]/permissions": { path: (w) => `/api/sessions/${w.sessionId}/permissions`, cells: team("viewer", 200) },
  "POST /api/sessions/[id]/permissions/[permissionId]": {
    path: (w) => `/api/sessions/${w.sessionId}/permissions/no-such-permission`,
    body: () => ({ reply: "once" }),
    cells: team("member", 404),
  },
};

/** Every "METHOD /api/…" the route files export. */
function routesInFiles(): string[] {
  const apiDir = path.join(ROOT, "app/api");
  const found: string[] = [];
  for (const file of readdirSync(apiDir, { recursive: true, encoding: "utf8" })) {
    if (path.basename(file) !== "route.ts") continue;
    const source = readFileSync(path.join(apiDir, file), "utf8");
    const route = `/api/${path.dirname(file).split(path.sep).join("/")}`.replace(/\/\.$/, "");
    const methods = new Set<string>();
    for (const match of source.matchAll(/export const (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b/g)) methods.add(match[1]!);
    for (const match of source.matchAll(/export \{([^}]*)\}/g))
      for (const alias of match[1]!.matchAll(/as (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b/g)) methods.add(alias[1]!);
    for (const method of methods) found.push(`${method} ${route}`);
  }
  return found.sort();
}

const GIT_TOKEN = `matrix-${Math.random().toString(36).slice(2)}`;
let gitServer: GitServer;
let fixture: PortalFixture;
let world: World;
const clients = new Map<Caller, Api | null>();

async function member(teamId: string, role: string, name: string) {
  const email = unique(name);
  const created = await fixture.api.request("POST", `/api/teams/${teamId}/members`, { email, role, name, password: PASSWORD });
  expect(created.status).toBe(201);
  return { email, userId: created.body.userId as string, api: await apiFor(fixture.portal.baseUrl, email, PASSWORD) };
}

beforeAll(async () => {
  gitServer = await startGitServer(GIT_TOKEN);
  fixture = await openPortal();
  const instanceAdmin = fixture.api;
  const base = fixture.portal.baseUrl;
  const sql = new pg.Client({ connectionString: fixture.db.url });
  await sql.connect();
  try {
    // Team T, owned by someone who is not an instance admin.
    const ownerUser = await member(fixture.teamId, "member", "owner");
    const teamId = (await ownerUser.api.post("/api/teams", { name: "T" })).id as string;
    const inT = (role: string, name: string) => member(teamId, role, name);
    const [viewer, memberUser, admin, disabled, revoked, expired] = await Promise.all([
      inT("viewer", "viewer"),
      inT("member", "member"),
      inT("admin", "admin"),
      inT("member", "disabled"),
      inT("member", "revoked"),
      inT("member", "expired"),
    ]);
    const outsider = await member(fixture.teamId, "owner", "outsider");
    expect((await instanceAdmin.request("PATCH", `/api/admin/users/${disabled.userId}`, { disabled: true })).status).toBe(200);
    const revokedToken = (await revoked.api.get("/api/tokens")).items[0].id as string;
    expect((await revoked.api.request("DELETE", `/api/tokens/${revokedToken}`)).status).toBe(204);
    await sql.query("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = $1", [expired.userId]);
    const disabledToken = tokenClient(base, disabled.api.token);

    const session = await ownerUser.api.post("/api/sessions", { teamId, agent: "demo", title: "matrix" });
    // A file in the session's sandbox, for the file routes.
    await ownerUser.api.post(`/api/sessions/${session.id}/prompt`, { text: "/write matrix.txt hello" });
    await waitForIdle(ownerUser.api, session.id);
    // A sandbox from a repository of T (a real git server wanting its token), changed by the agent.
    makeRepository(gitServer.root, "matrix.git", { "README.md": "# Matrix\n" });
    const repository = await ownerUser.api.post(`/api/teams/${teamId}/repositories`, {
      name: "matrix",
      url: `${gitServer.url}/matrix.git`,
      defaultBranch: "main",
      token: GIT_TOKEN,
    });
    const fromRepository = await ownerUser.api.post("/api/sessions", { teamId, agent: "demo", title: "matrix repository", repositoryId: repository.id });
    await ownerUser.api.post(`/api/sessions/${fromRepository.id}/prompt`, { text: "/write matrix.txt changed" });
    await waitForIdle(ownerUser.api, fromRepository.id);
    const terminal = await ownerUser.api.post(`/api/sandboxes/${session.sandboxId}/terminals`, {});
    const stranger = await member(fixture.teamId, "member", "stranger");
    const strangerInvitation = await instanceAdmin.post(`/api/teams/${fixture.teamId}/invitations`, { email: unique("someone-else"), role: "viewer" });
    const strangerToken = (await stranger.api.get("/api/tokens")).items[0].id as string;
    world = {
      teamId,
      sessionId: session.id,
      sandboxId: session.sandboxId,
      repoSandboxId: fromRepository.sandboxId,
      terminalId: terminal.id,
      owner: ownerUser.api,
      strangerInvitationId: strangerInvitation.id,
      strangerTokenId: strangerToken,
      plainUserId: stranger.userId,
      fresh: {
        session: async () => (await ownerUser.api.post("/api/sessions", { teamId, agent: "demo", title: "doomed" })).id,
        sandbox: async () => (await ownerUser.api.post("/api/sessions", { teamId, agent: "demo", title: "doomed sandbox" })).sandboxId,
        invitation: async () => (await ownerUser.api.post(`/api/teams/${teamId}/invitations`, { email: unique("doomed"), role: "viewer" })).id,
        viewerId: async () => {
          const email = unique("target");
          const created = await instanceAdmin.request("POST", `/api/teams/${teamId}/members`, { email, role: "viewer", password: PASSWORD });
          return created.body.userId as string;
        },
        repository: async () =>
          (
            await ownerUser.api.post(`/api/teams/${teamId}/repositories`, {
              name: `doomed-${Math.random().toString(36).slice(2, 9)}`,
              url: "https://git.example.test/doomed.git",
              defaultBranch: "main",
            })
          ).id,
        terminal: async () => (await ownerUser.api.post(`/api/sandboxes/${session.sandboxId}/terminals`, {})).id,
        team: async () => {
          const doomed = (await ownerUser.api.post("/api/teams", { name: "doomed team" })).id as string;
          for (const [person, role] of [
            [viewer, "viewer"],
            [memberUser, "member"],
            [admin, "admin"],
          ] as const) {
            const invitation = await ownerUser.api.post(`/api/teams/${doomed}/invitations`, { email: person.email, role });
            expect((await person.api.request("POST", `/api/me/invitations/${invitation.id}/accept`)).status).toBe(200);
          }
          return doomed;
        },
      },
    };
    clients.set("anonymous", null);
    clients.set("revokedToken", revoked.api);
    clients.set("expiredToken", expired.api);
    clients.set("disabledUser", disabledToken);
    clients.set("outsider", outsider.api);
    clients.set("viewer", viewer.api);
    clients.set("member", memberUser.api);
    clients.set("admin", admin.api);
    clients.set("owner", ownerUser.api);
    clients.set("instanceAdmin", instanceAdmin);
  } finally {
    await sql.end();
  }
});
afterAll(async () => {
  await fixture?.close();
  await gitServer?.close();
});

async function call(caller: Caller, method: string, url: string, body: unknown, stream: boolean): Promise<number> {
  const api = clients.get(caller);
  const headers: Record<string, string> = api ? { authorization: `Bearer ${api.token}` } : {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const abort = new AbortController();
  const response = await fetch(`${fixture.portal.baseUrl}${url}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: abort.signal,
  });
  if (stream) abort.abort();
  else await response.arrayBuffer();
  return response.status;
}

describe("the access matrix", () => {
  it("has a row for every method of every route file, and no row for a route that is gone", () => {
    const inFiles = routesInFiles();
    expect(inFiles.length).toBeGreaterThan(30);
    expect(Object.keys(ROWS).sort()).toEqual(inFiles);
  });

  for (const [route, row] of Object.entries(ROWS)) {
    if ("exempt" in row) continue;
    const [method] = route.split(" ") as [string];
    it(`${route}`, async () => {
      const seen: Partial<Cells> = {};
      for (const caller of CALLERS) {
        const url = await row.path(world);
        seen[caller] = await call(caller, method, url, row.body?.(world), row.stream ?? false);
      }
      expect(seen).toEqual(row.cells);
    });
  }
});

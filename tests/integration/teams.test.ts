import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFor, openPortal, signIn, waitForIdle, type Api, type Portal, type PortalFixture } from "./harness";

// Teams, members and the audit log through the contract, against the real portal and PostgreSQL:
// who may do what, the one-owner rule, and one audit entry per change (none for refused ones).

let fixture: PortalFixture;
let portal: Portal;
let owner: Api;
let teamId: string;
const PASSWORD = "a-long-enough-password";

const uniqueEmail = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.test`;

async function addMember(api: Api, team: string, role: string, name = role) {
  const email = uniqueEmail(name);
  const added = await api.request("POST", `/api/teams/${team}/members`, { email, role, password: PASSWORD, name });
  expect(added.status).toBe(201);
  return { userId: added.body.userId as string, email, api: () => apiFor(portal.baseUrl, email, PASSWORD) };
}

async function memberAudit(api: Api, team: string) {
  const page = await api.get(`/api/teams/${team}/audit?limit=500`);
  return (page.items as Array<{ action: string; targetId: string; actorId: string; detail: any }>).filter((entry) => entry.action.startsWith("member."));
}

beforeAll(async () => {
  fixture = await openPortal();
  ({ portal, api: owner, teamId } = fixture);
});
afterAll(() => fixture?.close());

describe("POST /api/teams", () => {
  it("creates a team owned by the caller", async () => {
    const created = await owner.request("POST", "/api/teams", { name: "  Reviewers  " });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name: "Reviewers", role: "owner" });
    const me = await owner.get("/api/me");
    expect(me.teams).toContainEqual({ id: created.body.id, name: "Reviewers", role: "owner" });
    const members = await owner.get(`/api/teams/${created.body.id}/members`);
    expect(members.items).toEqual([expect.objectContaining({ userId: me.user.id, role: "owner" })]);
  });

  it("refuses bad input and anonymous callers", async () => {
    const empty = await owner.request("POST", "/api/teams", { name: "   " });
    expect(empty.status).toBe(422);
    expect(empty.headers.get("content-type")).toBe("application/problem+json");
    expect(empty.body.errors).toEqual([expect.objectContaining({ path: "name" })]);
    expect((await owner.request("POST", "/api/teams", "{not json")).status).toBe(400);
    expect((await owner.request("POST", "/api/teams", "name=x", { "content-type": "text/plain" })).status).toBe(415);
    expect((await fetch(`${portal.baseUrl}/api/teams`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
  });
});

describe("team members", () => {
  it("an instance admin provisions a new user with a password, who can then sign in; an existing email is 409", async () => {
    const email = uniqueEmail("Newcomer").toUpperCase();
    const added = await owner.request("POST", `/api/teams/${teamId}/members`, { email, role: "member", name: "New Comer", password: PASSWORD });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      userId: expect.any(String),
      email: email.toLowerCase(),
      name: "New Comer",
      role: "member",
      createdAt: expect.any(String),
      ssoGroup: null,
    });
    const newcomer = await apiFor(portal.baseUrl, email.toLowerCase(), PASSWORD);
    expect((await newcomer.get("/api/me")).teams).toContainEqual({ id: teamId, name: "Default", role: "member" });

    // An existing account is never provisioned again (it joins other teams by accepting an
    // invitation), and a password sent along is not applied.
    const other = await owner.post("/api/teams", { name: "Second" });
    const again = await owner.request("POST", `/api/teams/${other.id}/members`, { email, role: "viewer", password: "attacker-chosen-password" });
    expect(again.status).toBe(409);
    expect((await owner.get(`/api/teams/${other.id}/members`)).items).toHaveLength(1);
    await apiFor(portal.baseUrl, email.toLowerCase(), PASSWORD);
    await expect(apiFor(portal.baseUrl, email.toLowerCase(), "attacker-chosen-password")).rejects.toThrow(/sign-in failed/);
  });

  it("validates the body: a new email needs a password of 12+ characters, roles and emails must be valid", async () => {
    const noPassword = await owner.request("POST", `/api/teams/${teamId}/members`, { email: uniqueEmail("nopass"), role: "viewer" });
    expect(noPassword.status).toBe(422);
    expect(noPassword.body.errors).toEqual([expect.objectContaining({ path: "password" })]);
    const short = await owner.request("POST", `/api/teams/${teamId}/members`, { email: uniqueEmail("short"), role: "viewer", password: "too-short" });
    expect(short.status).toBe(422);
    expect(short.body.errors).toEqual([expect.objectContaining({ path: "password" })]);
    const badRole = await owner.request("POST", `/api/teams/${teamId}/members`, { email: uniqueEmail("role"), role: "superuser", password: PASSWORD });
    expect(badRole.status).toBe(422);
    expect(badRole.body.errors).toEqual([expect.objectContaining({ path: "role" })]);
    const badEmail = await owner.request("POST", `/api/teams/${teamId}/members`, { email: "not-an-email", role: "viewer", password: PASSWORD });
    expect(badEmail.status).toBe(422);
    expect(badEmail.body.errors).toEqual([expect.objectContaining({ path: "email" })]);
  });

  it("lists members to every member, by email, in keyset pages", async () => {
    const team = (await owner.post("/api/teams", { name: "Paged" })).id as string;
    const added = [];
    for (const name of ["ann", "bob", "cid"]) added.push(await addMember(owner, team, "viewer", name));
    const viewer = await added[0]!.api();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Array<{ email: string }>; nextCursor: string | null } = await viewer.get(
        `/api/teams/${team}/members?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.items.map((item) => item.email));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(4);
    expect(seen).toEqual([...seen].sort());
    expect((await viewer.request("GET", `/api/teams/${team}/members?cursor=garbage`)).status).toBe(400);
    expect((await viewer.request("GET", `/api/teams/${team}/members?limit=501`)).status).toBe(422);
  });

  it("enforces roles: 404 outside the team, 403 below admin, admins manage only viewers and members", async () => {
    const team = (await owner.post("/api/teams", { name: "Roles" })).id as string;
    const admin = await addMember(owner, team, "admin");
    const member = await addMember(owner, team, "member");
    const viewer = await addMember(owner, team, "viewer");
    const otherAdmin = await addMember(owner, team, "admin", "admin2");
    const outsider = await addMember(owner, teamId, "member", "outsider");
    const adminApi = await admin.api();
    const memberApi = await member.api();
    const outsiderApi = await outsider.api();
    const ownerId = (await owner.get("/api/me")).user.id as string;

    // Not in the team: the team does not exist for them.
    expect((await outsiderApi.request("GET", `/api/teams/${team}/members`)).status).toBe(404);
    // Provisioning is the instance admin's, whatever the team.
    expect((await outsiderApi.request("POST", `/api/teams/${team}/members`, { email: uniqueEmail("x"), role: "viewer", password: PASSWORD })).status).toBe(403);
    expect((await outsiderApi.request("DELETE", `/api/teams/${team}/members/${viewer.userId}`)).status).toBe(404);
    expect((await outsiderApi.request("GET", `/api/teams/${team}/audit`)).status).toBe(404);

    // A member reads but does not manage.
    expect((await memberApi.request("GET", `/api/teams/${team}/members`)).status).toBe(200);
    expect((await memberApi.request("POST", `/api/teams/${team}/members`, { email: uniqueEmail("y"), role: "viewer", password: PASSWORD })).status).toBe(403);
    expect((await memberApi.request("PATCH", `/api/teams/${team}/members/${viewer.userId}`, { role: "member" })).status).toBe(403);
    expect((await memberApi.request("DELETE", `/api/teams/${team}/members/${viewer.userId}`)).status).toBe(403);
    expect((await memberApi.request("GET", `/api/teams/${team}/audit`)).status).toBe(403);

    // An admin manages viewers and members, up to admin; admins and owners are the owner's to change.
    expect((await adminApi.request("PATCH", `/api/teams/${team}/members/${viewer.userId}`, { role: "member" })).body.role).toBe("member");
    expect((await adminApi.request("PATCH", `/api/teams/${team}/members/${viewer.userId}`, { role: "owner" })).status).toBe(403);
    expect((await adminApi.request("PATCH", `/api/teams/${team}/members/${otherAdmin.userId}`, { role: "member" })).status).toBe(403);
    expect((await adminApi.request("DELETE", `/api/teams/${team}/members/${otherAdmin.userId}`)).status).toBe(403);
    expect((await adminApi.request("PATCH", `/api/teams/${team}/members/${ownerId}`, { role: "viewer" })).status).toBe(403);
    expect((await adminApi.request("POST", `/api/teams/${team}/members`, { email: uniqueEmail("z"), role: "owner", password: PASSWORD })).status).toBe(403);
    expect((await adminApi.request("PATCH", `/api/teams/${team}/members/00000000-0000-0000-0000-000000000000`, { role: "viewer" })).status).toBe(404);
    expect((await adminApi.request("PATCH", `/api/teams/${team}/members/${viewer.userId}`, { role: "boss" })).status).toBe(422);
    expect((await adminApi.request("DELETE", `/api/teams/${team}/members/${member.userId}`)).status).toBe(204);

    // The owner changes admins; anyone may leave.
    expect((await owner.request("PATCH", `/api/teams/${team}/members/${otherAdmin.userId}`, { role: "viewer" })).body.role).toBe("viewer");
    const leaving = await otherAdmin.api();
    expect((await leaving.request("DELETE", `/api/teams/${team}/members/${otherAdmin.userId}`)).status).toBe(204);
    expect((await leaving.request("GET", `/api/teams/${team}/members`)).status).toBe(404);
    expect((await memberApi.request("GET", `/api/teams/${team}/members`)).status).toBe(404);
  });

  it("keeps at least one owner", async () => {
    const team = (await owner.post("/api/teams", { name: "Owners" })).id as string;
    const ownerId = (await owner.get("/api/me")).user.id as string;
    expect((await owner.request("PATCH", `/api/teams/${team}/members/${ownerId}`, { role: "admin" })).status).toBe(409);
    expect((await owner.request("DELETE", `/api/teams/${team}/members/${ownerId}`)).status).toBe(409);
    const second = await addMember(owner, team, "owner", "second-owner");
    expect((await owner.request("PATCH", `/api/teams/${team}/members/${ownerId}`, { role: "admin" })).body.role).toBe("admin");
    const secondApi = await second.api();
    expect((await secondApi.request("DELETE", `/api/teams/${team}/members/${second.userId}`)).status).toBe(409);
    expect((await secondApi.request("PATCH", `/api/teams/${team}/members/${ownerId}`, { role: "owner" })).body.role).toBe("owner");
  });

  it("the members page shows them 100 at a time and marks the last owner on whichever page it is", async () => {
    const team = (await owner.post("/api/teams", { name: "Crowded" })).id as string;
    // 100 viewers whose emails sort before the owner's, so the owner is on the second page. Written
    // straight to the database: provisioning 100 accounts would spend seconds on password hashing.
    const client = new pg.Client({ connectionString: fixture.db.url });
    await client.connect();
    try {
      await client.query(
        `WITH added AS (
           INSERT INTO users (id, email, name, password_hash)
           SELECT gen_random_uuid(), 'aa-crowd-' || lpad(n::text, 3, '0') || '@example.test', 'Crowd ' || n, 'unusable'
           FROM generate_series(1, 100) AS n RETURNING id)
         INSERT INTO memberships (team_id, user_id, role) SELECT $1, id, 'viewer' FROM added`,
        [team],
      );
    } finally {
      await client.end();
    }
    const userIdOf = async (email: string) => {
      const page = await owner.get(`/api/teams/${team}/members?limit=500`);
      return (page.items as Array<{ userId: string; email: string }>).find((member) => member.email === email)!.userId;
    };
    const cookie = await signIn(portal.baseUrl);
    const page = async (path: string) => {
      const response = await fetch(`${portal.baseUrl}${path}`, { headers: { cookie } });
      expect(response.status).toBe(200);
      const html = await response.text();
      const hrefOf = (testId: string) => {
        const link = new RegExp(`<a [^>]*data-testid="${testId}"[^>]*>`).exec(html)?.[0];
        return link ? /href="([^"]+)"/.exec(link)![1]!.replaceAll("&amp;", "&") : null;
      };
      return {
        emails: [...html.matchAll(/data-testid="member-row" data-email="([^"]+)"/g)].map((match) => match[1]),
        more: hrefOf("members-more"),
        first: hrefOf("members-more-first"),
        lastOwnerMarked: html.includes("The last owner cannot be removed or demoted"),
      };
    };
    const first = await page(`/teams/${team}/members`);
    expect(first.emails).toHaveLength(100);
    expect(first.emails.every((email) => email!.startsWith("aa-crowd-"))).toBe(true);
    expect(first.lastOwnerMarked).toBe(false);
    expect(first.more).toMatch(new RegExp(`^/teams/${team}/members\\?members=`));
    expect(first.first).toBeNull();
    const second = await page(first.more!);
    expect(second.emails).toEqual(["admin@example.test"]);
    expect(second.more).toBeNull();
    // The way back: the first page, with no cursor left in its address.
    expect(second.first).toBe(`/teams/${team}/members`);
    expect(second.lastOwnerMarked).toBe(true);
    // An address with a cursor the page never gave out shows the first page.
    const forged = await page(`/teams/${team}/members?members=nonsense`);
    expect(forged.emails).toEqual(first.emails);
    expect(forged.first).toBeNull();

    // A second owner on the first page: each page holds one owner, and neither is the team's last.
    const promoted = await owner.request("PATCH", `/api/teams/${team}/members/${await userIdOf("aa-crowd-001@example.test")}`, { role: "owner" });
    expect(promoted.status).toBe(200);
    expect((await page(`/teams/${team}/members`)).lastOwnerMarked).toBe(false);
    expect((await page(first.more!)).lastOwnerMarked).toBe(false);
  });
});

describe("DELETE /api/teams/:teamId", () => {
  it("lets only the owner delete the team, ends what runs in it, and leaves nothing of it behind", async () => {
    const team = (await owner.post("/api/teams", { name: "Short-lived" })).id as string;
    const admin = await addMember(owner, team, "admin", "not-owner");
    const adminApi = await admin.api();
    const session = await owner.post("/api/sessions", { teamId: team, agent: "demo", title: "cut short" });
    await owner.post(`/api/sessions/${session.id}/prompt`, { text: "/write kept.txt something" });
    await waitForIdle(owner, session.id);
    // A turn still running when the team goes.
    expect((await owner.request("POST", `/api/sessions/${session.id}/prompt`, { text: "/sleep 60000" })).status).toBe(202);
    const workspace = path.join(portal.dataDir, "sandboxes", session.sandboxId);
    expect(existsSync(workspace)).toBe(true);
    const stream = await fetch(`${portal.baseUrl}/api/sessions/${session.id}/stream`, { headers: { authorization: `Bearer ${adminApi.token}` } });
    expect(stream.status).toBe(200);

    expect((await adminApi.request("DELETE", `/api/teams/${team}`, { name: "Short-lived" })).status).toBe(403);
    expect((await adminApi.request("DELETE", `/api/teams/${teamId}`, { name: "Default" })).status).toBe(404);
    // Without the team's name (a DELETE meant for something else that reached the team), nothing goes.
    const unnamed = await owner.request("DELETE", `/api/teams/${team}`);
    expect([unnamed.status, unnamed.body.code]).toEqual([415, "unsupported_media_type"]);
    const misnamed = await owner.request("DELETE", `/api/teams/${team}`, { name: "Short" });
    expect([misnamed.status, misnamed.body.errors]).toEqual([422, [{ path: "name", message: "must be the team's name" }]]);
    expect((await owner.request("GET", `/api/sessions/${session.id}`)).status).toBe(200);
    const deleted = await owner.request("DELETE", `/api/teams/${team}`, { name: "Short-lived" });
    expect(deleted.status).toBe(204);

    // The admin's open stream is told its access ended, and closes.
    expect(await stream.text()).toContain("event: revoked");
    expect((await owner.request("GET", `/api/sessions/${session.id}`)).status).toBe(404);
    expect((await owner.request("GET", `/api/sandboxes/${session.sandboxId}`)).status).toBe(404);
    expect((await owner.request("GET", `/api/teams/${team}/members`)).status).toBe(404);
    expect((await adminApi.get("/api/me")).teams.map((entry: { id: string }) => entry.id)).not.toContain(team);
    expect(existsSync(workspace)).toBe(false);
    expect((await owner.request("DELETE", `/api/teams/${team}`, { name: "Short-lived" })).status).toBe(404);
    // The owner's other teams are untouched.
    expect((await owner.request("GET", `/api/teams/${teamId}/members`)).status).toBe(200);
  });
});

describe("/sessions?teamId=", () => {
  it("shows the team the address names, and another team's id is not found", async () => {
    const team = (await owner.post("/api/teams", { name: "Listed by address" })).id as string;
    const stranger = await addMember(owner, teamId, "member", "stranger");
    const theirs = (await (await stranger.api()).post("/api/teams", { name: "Not yours" })).id as string;
    const cookie = await signIn(portal.baseUrl);
    const page = (query: string) => fetch(`${portal.baseUrl}/sessions${query}`, { headers: { cookie }, redirect: "manual" });
    const mine = await page(`?teamId=${team}`);
    expect(mine.status).toBe(200);
    expect(await mine.text()).toContain("The agent sessions of Listed by address");
    expect((await page(`?teamId=${theirs}`)).status).toBe(404);
    expect((await page("?teamId=nonsense")).status).toBe(404);
    // A cursor the list never gave out shows the first page, not an error page.
    const badCursor = await page(`?teamId=${team}&cursor=not-a-cursor`);
    expect(badCursor.status).toBe(200);
    expect(await badCursor.text()).toContain("The agent sessions of Listed by address");
  });
});

describe("GET /api/teams/:teamId/audit", () => {
  it("records each member change once, newest first, and nothing for refused changes", async () => {
    const team = (await owner.post("/api/teams", { name: "Audited" })).id as string;
    const ownerId = (await owner.get("/api/me")).user.id as string;
    const viewer = await addMember(owner, team, "viewer", "audited");
    expect((await owner.request("PATCH", `/api/teams/${team}/members/${viewer.userId}`, { role: "member" })).status).toBe(200);
    expect((await owner.request("PATCH", `/api/teams/${team}/members/${viewer.userId}`, { role: "member" })).status).toBe(200); // no change
    expect((await owner.request("PATCH", `/api/teams/${team}/members/${ownerId}`, { role: "viewer" })).status).toBe(409); // refused
    expect((await owner.request("POST", `/api/teams/${team}/members`, { email: viewer.email, role: "viewer", password: PASSWORD })).status).toBe(409); // refused
    expect((await owner.request("DELETE", `/api/teams/${team}/members/${viewer.userId}`)).status).toBe(204);

    const entries = await memberAudit(owner, team);
    expect(entries.map((entry) => entry.action)).toEqual(["member.remove", "member.update", "member.add"]);
    for (const entry of entries) expect(entry).toMatchObject({ actorId: ownerId, targetId: viewer.userId });
    expect(entries[1]!.detail).toMatchObject({ from: "viewer", to: "member" });
    expect(entries[2]!.detail).toMatchObject({ role: "viewer", createdUser: true });

    const full = await owner.get(`/api/teams/${team}/audit?limit=1`);
    expect(full.items[0]).toEqual({
      id: expect.any(String),
      at: expect.any(String),
      actorId: ownerId,
      action: "member.remove",
      targetType: "user",
      targetId: viewer.userId,
      detail: expect.any(Object),
      ip: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
    });
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string; at: string }>; nextCursor: string | null } = await owner.get(
        `/api/teams/${team}/audit?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      all.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    const everything = await owner.get(`/api/teams/${team}/audit?limit=500`);
    expect(all).toEqual(everything.items.map((item: { id: string }) => item.id));
    const times = everything.items.map((item: { at: string }) => item.at);
    expect(times).toEqual([...times].sort().reverse());
    expect((await owner.request("GET", `/api/teams/${team}/audit?cursor=bad`)).status).toBe(400);
  });

  it("records every sign-in of a member, good and failed, in each of their teams; an unknown email in none", async () => {
    const team = (await owner.post("/api/teams", { name: "Signed in" })).id as string;
    const other = (await owner.post("/api/teams", { name: "Signed in too" })).id as string;
    const member = await addMember(owner, team, "member", "signer");
    expect((await owner.request("POST", `/api/teams/${other}/invitations`, { email: member.email, role: "viewer" })).status).toBe(201);
    const memberApi = await member.api(); // signs in while in one team
    const invitation = (await memberApi.get("/api/me/invitations")).items[0];
    expect((await memberApi.request("POST", `/api/me/invitations/${invitation.id}/accept`)).status).toBe(200);
    await signIn(portal.baseUrl, member.email, PASSWORD);
    await expect(signIn(portal.baseUrl, member.email, "not-the-password-at-all")).rejects.toThrow(/sign-in failed/);
    await expect(signIn(portal.baseUrl, uniqueEmail("nobody"), PASSWORD)).rejects.toThrow(/sign-in failed/);

    const signIns = async (teamId: string) =>
      ((await owner.get(`/api/teams/${teamId}/audit?limit=500`)).items as Array<{ action: string; actorId: string; targetId: string; detail: any; ip: string }>)
        .filter((entry) => entry.action.startsWith("auth."))
        .map(({ action, actorId, targetId, detail, ip }) => ({ action, actorId, targetId, detail, ip }));
    const address = expect.stringMatching(/^(127\.0\.0\.1|::1)$/);
    const failed = {
      action: "auth.sign_in_failed",
      actorId: member.userId,
      targetId: member.userId,
      detail: { method: "password", reason: "wrong_password" },
      ip: address,
    };
    const ok = { action: "auth.sign_in", actorId: member.userId, targetId: member.userId, detail: { method: "password" }, ip: address };
    expect(await signIns(team)).toEqual([failed, ok, ok]);
    expect(await signIns(other)).toEqual([failed, ok]);
  });
});

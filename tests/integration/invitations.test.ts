import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFor, openPortal, signIn, type Api, type PortalFixture } from "./harness";
import { expectKeysetPaging } from "./paging";

// Invitations through the contract: nobody becomes a member without accepting, the admin's answer
// is the same whether or not the email has an account, links are single use, and the instance
// admin decides who may create teams.

const PASSWORD = "a-long-enough-password";
let fixture: PortalFixture;
let base: string;
let owner: Api;

const uniqueEmail = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.test`;
const tokenOf = (url: string) => new URL(url).pathname.split("/").at(-1)!;

async function provision(team: string, role: string, name: string) {
  const email = uniqueEmail(name);
  const created = await owner.request("POST", `/api/teams/${team}/members`, { email, role, name, password: PASSWORD });
  expect(created.status).toBe(201);
  return { email, userId: created.body.userId as string, api: () => apiFor(base, email, PASSWORD) };
}

beforeAll(async () => {
  fixture = await openPortal();
  base = fixture.portal.baseUrl;
  owner = fixture.api;
});
afterAll(() => fixture?.close());

describe("invitations", () => {
  it("answers the same for an email with or without an account, and nobody joins before accepting", async () => {
    const team = (await owner.post("/api/teams", { name: "Invites" })).id as string;
    const existing = await provision(fixture.teamId, "member", "existing");
    const withAccount = await owner.request("POST", `/api/teams/${team}/invitations`, { email: existing.email, role: "member" });
    const withoutAccount = await owner.request("POST", `/api/teams/${team}/invitations`, { email: uniqueEmail("nobody"), role: "member" });
    for (const answer of [withAccount, withoutAccount]) {
      expect(answer.status).toBe(201);
      expect(Object.keys(answer.body).sort()).toEqual(["createdAt", "email", "expiresAt", "id", "role", "teamId", "url"]);
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(new Date(answer.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
      expect(new URL(answer.body.url).origin).toBe(base);
    }
    const members = (await owner.get(`/api/teams/${team}/members`)).items as Array<{ email: string }>;
    expect(members.map((member) => member.email)).not.toContain(existing.email);
    expect(((await owner.get(`/api/teams/${team}/invitations`)).items as unknown[]).length).toBe(2);

    // The existing account sees it, accepts it, and is a member with the invited role.
    const invitee = await existing.api();
    const mine = (await invitee.get("/api/me/invitations")).items as Array<{ id: string; teamName: string }>;
    expect(mine).toEqual([expect.objectContaining({ id: withAccount.body.id, teamName: "Invites" })]);
    expect((await invitee.request("POST", `/api/me/invitations/${withAccount.body.id}/accept`)).status).toBe(200);
    expect((await invitee.get("/api/me")).teams).toContainEqual({ id: team, name: "Invites", role: "member" });
    expect((await invitee.request("POST", `/api/me/invitations/${withAccount.body.id}/accept`)).status).toBe(404);
    // The link of an email that has an account cannot make a second account.
    expect(
      (
        await fetch(`${base}/api/invitations/${tokenOf(withAccount.body.url)}/accept`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "Dup", password: PASSWORD }),
        })
      ).status,
    ).toBe(404);
  });

  it("are listed newest first and paged by keyset, the team's and one's own; the members page pages them too", async () => {
    const team = (await owner.post("/api/teams", { name: "Paged invites" })).id as string;
    // One more than the members page shows at once.
    const emails = Array.from({ length: 51 }, (_, i) => uniqueEmail(`paged-${i}`));
    for (const email of emails) expect((await owner.request("POST", `/api/teams/${team}/invitations`, { email, role: "viewer" })).status).toBe(201);
    const listed = await expectKeysetPaging(owner, `/api/teams/${team}/invitations`, { atLeast: 51, newestFirst: "createdAt" });
    expect(listed.map((invitation) => invitation.email).sort()).toEqual([...emails].sort());

    const cookie = await signIn(base);
    const page = async (path: string) => {
      const response = await fetch(`${base}${path}`, { headers: { cookie } });
      expect(response.status).toBe(200);
      const html = await response.text();
      const link = /<a [^>]*data-testid="invitations-older"[^>]*>/.exec(html)?.[0];
      const older = link ? /href="([^"]+)"/.exec(link)![1]!.replaceAll("&amp;", "&") : null;
      return { rows: html.match(/data-testid="invitation-email"[^>]*>([^<]+)</g)?.map((row) => row.split(">").at(-1)!.replace("<", "")) ?? [], older };
    };
    const first = await page(`/teams/${team}/members`);
    expect(first.rows).toHaveLength(50);
    expect(first.older).toMatch(new RegExp(`^/teams/${team}/members\\?invitations=`));
    const second = await page(first.older!);
    expect(second.older).toBeNull();
    expect([...first.rows, ...second.rows]).toEqual(listed.map((invitation) => invitation.email));
    // A cursor the page did not give out shows the first page.
    expect((await page(`/teams/${team}/members?invitations=nonsense`)).rows).toEqual(first.rows);

    // One person invited to three teams sees the three, newest first, page by page; the banner counts them all.
    const person = await provision(fixture.teamId, "viewer", "invited-thrice");
    for (const name of ["First inviter", "Second inviter", "Third inviter"]) {
      const inviting = (await owner.post("/api/teams", { name })).id as string;
      expect((await owner.request("POST", `/api/teams/${inviting}/invitations`, { email: person.email, role: "member" })).status).toBe(201);
    }
    const invitee = await person.api();
    const mine = await expectKeysetPaging(invitee, "/api/me/invitations", { atLeast: 3, newestFirst: "createdAt" });
    expect(mine.map((invitation) => invitation.teamName)).toEqual(["Third inviter", "Second inviter", "First inviter"]);
    const teamsPage = await fetch(`${base}/teams`, { headers: { cookie: await signIn(base, person.email, PASSWORD) } }).then((response) => response.text());
    expect(teamsPage).toContain("3 invitations");
    expect(teamsPage.match(/data-testid="my-invitation"/g)).toHaveLength(3);
  });

  it("a new person accepts with the link once, sets name and password, and can sign in", async () => {
    const email = uniqueEmail("newcomer");
    const invitation = await owner.post(`/api/teams/${fixture.teamId}/invitations`, { email, role: "viewer" });
    const accept = (body: unknown) =>
      fetch(`${base}/api/invitations/${tokenOf(invitation.url)}/accept`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await accept({ name: "New", password: " ".repeat(12) })).status).toBe(422);
    const accepted = await accept({ name: "New Person", password: PASSWORD });
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ email, teamId: fixture.teamId, role: "viewer" });
    expect((await accept({ name: "Again", password: PASSWORD })).status).toBe(404);
    const api = await apiFor(base, email, PASSWORD);
    expect((await api.get("/api/me")).teams).toContainEqual({ id: fixture.teamId, name: "Default", role: "viewer" });
    const audit = (await owner.get(`/api/teams/${fixture.teamId}/audit?limit=500`)).items as Array<{ action: string; detail: any }>;
    expect(audit).toContainEqual(expect.objectContaining({ action: "member.add", detail: expect.objectContaining({ email, invitationId: invitation.id }) }));
  });

  it("declined and revoked invitations are gone; roles decide who may invite", async () => {
    const team = (await owner.post("/api/teams", { name: "Gatekeeping" })).id as string;
    const admin = await provision(team, "admin", "gate-admin");
    const member = await provision(team, "member", "gate-member");
    const outsider = await provision(fixture.teamId, "member", "gate-outsider");
    const [adminApi, memberApi, outsiderApi] = await Promise.all([admin.api(), member.api(), outsider.api()]);
    expect((await memberApi.request("POST", `/api/teams/${team}/invitations`, { email: uniqueEmail("x"), role: "viewer" })).status).toBe(403);
    expect((await outsiderApi.request("POST", `/api/teams/${team}/invitations`, { email: uniqueEmail("x"), role: "viewer" })).status).toBe(404);
    expect((await outsiderApi.request("GET", `/api/teams/${team}/invitations`)).status).toBe(404);
    expect((await adminApi.request("POST", `/api/teams/${team}/invitations`, { email: uniqueEmail("x"), role: "owner" })).status).toBe(403);

    const declined = await adminApi.post(`/api/teams/${team}/invitations`, { email: outsider.email, role: "member" });
    expect((await outsiderApi.request("POST", `/api/me/invitations/${declined.id}/decline`)).status).toBe(200);
    expect((await outsiderApi.get("/api/me/invitations")).items).toEqual([]);
    const revoked = await adminApi.post(`/api/teams/${team}/invitations`, { email: uniqueEmail("revoked"), role: "member" });
    expect((await memberApi.request("DELETE", `/api/teams/${team}/invitations/${revoked.id}`)).status).toBe(403);
    expect((await adminApi.request("DELETE", `/api/teams/${team}/invitations/${revoked.id}`)).status).toBe(204);
    const link = await fetch(`${base}/api/invitations/${tokenOf(revoked.url)}/accept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Late", password: PASSWORD }),
    });
    expect(link.status).toBe(404);
    // Someone else's invitation cannot be accepted by another account.
    const forOther = await adminApi.post(`/api/teams/${team}/invitations`, { email: uniqueEmail("other"), role: "member" });
    expect((await outsiderApi.request("POST", `/api/me/invitations/${forOther.id}/accept`)).status).toBe(404);
  });
});

describe("instance settings", () => {
  it("team creation can be limited to instance admins", async () => {
    const person = await provision(fixture.teamId, "member", "creator");
    const api = await person.api();
    expect((await api.request("GET", "/api/admin/settings")).status).toBe(403);
    expect((await api.request("POST", "/api/teams", { name: "Mine" })).status).toBe(201);
    expect((await owner.request("PUT", "/api/admin/settings", { teamCreation: "admins" })).body).toMatchObject({ teamCreation: "admins" });
    expect((await api.request("POST", "/api/teams", { name: "Mine again" })).status).toBe(403);
    expect((await owner.request("POST", "/api/teams", { name: "Admin's" })).status).toBe(201);
    await owner.request("PUT", "/api/admin/settings", { teamCreation: "everyone" });
    const users = (await owner.get("/api/admin/users?limit=500")).items as Array<{ email: string; isInstanceAdmin: boolean }>;
    expect(users).toContainEqual(expect.objectContaining({ email: "admin@example.test", isInstanceAdmin: true }));
  });

  it("remembers the chosen team per user, only among the user's teams", async () => {
    const person = await provision(fixture.teamId, "member", "switcher");
    const api = await person.api();
    const other = (await owner.post("/api/teams", { name: "Not theirs" })).id as string;
    expect((await api.request("PATCH", "/api/me", { activeTeamId: other })).status).toBe(404);
    expect((await api.request("PATCH", "/api/me", { activeTeamId: fixture.teamId, name: "Switcher" })).body.user).toMatchObject({
      activeTeamId: fixture.teamId,
      name: "Switcher",
    });
  });
});

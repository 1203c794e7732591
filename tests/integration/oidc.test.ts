import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Jar, go, ssoSignIn as ssoSignInAt, startIssuer, TEST_CLIENT, type TestIssuer } from "../fixtures/oidc-issuer";
import { ADMIN, openPortal, type PortalFixture } from "./harness";
import { sql } from "./session-api-helpers";

// Single sign-on against a real OIDC server: the `oidc-provider` package on loopback, with its
// development login and consent forms, driven like a browser (cookies per origin, redirects followed
// by hand; tests/fixtures/oidc-issuer.ts). Discovery, the code flow with PKCE and state, a tampered
// state, a domain that may not sign up, a disabled account, linking to an existing password account,
// sign-out, and the groups claim mapped to team roles (PORTAL_OIDC_GROUP_ROLES).

const ACCOUNTS = {
  alice: { email: "alice@example.test", name: "Alice SSO", groups: [] as string[] },
  bob: { email: "bob@example.test", name: "Bob SSO", groups: [] as string[] | undefined },
  mallory: { email: "mallory@elsewhere.test", name: "Mallory" },
  admin: { email: ADMIN.email, name: "The admin, by SSO" },
};

// Teams are named here and made once the portal is up: the mapping resolves names at each sign-in.
const GROUP_ROLES = [
  { group: "eng", team: "Engineering", role: "member" },
  { group: "eng-leads", team: "Engineering", role: "admin" },
  { group: "ops", team: "Ops", role: "viewer" },
  { group: "founders", team: "Founders", role: "owner" },
  { group: "founders-lite", team: "Founders", role: "member" },
  { group: "eng", team: "No such team", role: "admin" },
];

let fixture: PortalFixture;
let issuerServer: TestIssuer;
let issuer: string;

beforeAll(async () => {
  issuerServer = await startIssuer(ACCOUNTS);
  issuer = issuerServer.url;
  fixture = await openPortal({
    env: {
      PORTAL_OIDC_ISSUER: issuer,
      PORTAL_OIDC_CLIENT_ID: TEST_CLIENT.id,
      PORTAL_OIDC_CLIENT_SECRET: TEST_CLIENT.secret,
      PORTAL_OIDC_NAME: "Test IdP",
      PORTAL_OIDC_ALLOWED_DOMAINS: "example.test",
      PORTAL_OIDC_GROUP_ROLES: JSON.stringify(GROUP_ROLES),
    },
  });
  issuerServer.mount([`${fixture.portal.baseUrl}/api/auth/callback/oidc`]);
});

afterAll(async () => {
  await fixture?.close();
  await issuerServer?.close();
});

const ssoSignIn = (account: string, options?: Parameters<typeof ssoSignInAt>[2]) => ssoSignInAt(fixture.portal.baseUrl, account, options);

const me = (jar: Jar) => fetch(`${fixture.portal.baseUrl}/api/me`, { headers: { cookie: jar.header(fixture.portal.baseUrl) } });

describe("single sign-on (OIDC)", () => {
  it("discovers the provider, offers it on the sign-in page, and signs in with the code flow, PKCE and state; a first sign-in of an allowed domain makes the account", async () => {
    const providers = await (await fetch(`${fixture.portal.baseUrl}/api/auth/providers`)).json();
    expect(providers.oidc).toMatchObject({ id: "oidc", name: "Test IdP", type: "oauth" });
    expect(await (await fetch(`${fixture.portal.baseUrl}/login`)).text()).toContain("Sign in with Test IdP");

    const { jar, final, authorize } = await ssoSignIn("alice");
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get("state")).toBeTruthy();
    expect(final.pathname).toBe("/sessions");
    const signedIn = await me(jar);
    expect(signedIn.status).toBe(200);
    expect((await signedIn.json()).user).toMatchObject({ email: "alice@example.test", name: "Alice SSO" });
    const [identity] = await sql(
      fixture.db.url,
      "SELECT i.issuer, i.subject, u.email FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.subject = 'alice'",
    );
    expect(identity).toEqual({ issuer, subject: "alice", email: "alice@example.test" });
    // The next sign-in finds the same account.
    const again = await ssoSignIn("alice");
    expect((await (await me(again.jar)).json()).user.email).toBe("alice@example.test");
    expect((await sql(fixture.db.url, "SELECT count(*)::int AS n FROM users WHERE email = 'alice@example.test'"))[0]).toEqual({ n: 1 });

    // Sign-out ends that sign-in, as for passwords.
    const csrf = (await (await go(jar, `${fixture.portal.baseUrl}/api/auth/csrf`)).json()) as { csrfToken: string };
    const cookieBefore = jar.header(fixture.portal.baseUrl);
    await go(jar, `${fixture.portal.baseUrl}/api/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken: csrf.csrfToken, json: "true" }),
    });
    expect((await fetch(`${fixture.portal.baseUrl}/api/me`, { headers: { cookie: cookieBefore } })).status).toBe(401);
  });

  it("shows the environment's configuration on /api/admin/sso without its secret, and refuses changes there", async () => {
    const settings = await fixture.api.get("/api/admin/sso");
    expect(settings).toMatchObject({
      source: "env",
      issuer,
      clientId: TEST_CLIENT.id,
      clientSecretSet: true,
      name: "Test IdP",
      allowedDomains: ["example.test"],
    });
    expect(settings.groupRoles).toContainEqual({ group: "eng", teamId: "", teamName: "No such team", role: "admin" });
    expect(JSON.stringify(settings)).not.toContain(TEST_CLIENT.secret);
    const body = { issuer, clientId: "other", clientSecret: "other-secret", allowedDomains: [], groupRoles: [] };
    for (const [method, payload] of [
      ["PUT", body],
      ["DELETE", undefined],
    ] as const) {
      const refused = await fixture.api.request(method, "/api/admin/sso", payload);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe("configured_by_env");
    }
  });

  it("refuses a tampered state: no sign-in", async () => {
    const { jar, final } = await ssoSignIn("alice", { tamper: (callback) => callback.searchParams.set("state", "forged-state") });
    expect(final.pathname).toBe("/login");
    expect(final.searchParams.get("error")).toBeTruthy();
    expect((await me(jar)).status).toBe(401);
  });

  it("does not make an account for a domain that is not allowed", async () => {
    const { jar, final } = await ssoSignIn("mallory");
    expect(final.pathname).toBe("/login");
    expect(final.searchParams.get("error")).toBe("sso_domain");
    expect((await me(jar)).status).toBe(401);
    expect(await sql(fixture.db.url, "SELECT id FROM users WHERE email = 'mallory@elsewhere.test'")).toEqual([]);
  });

  it("refuses a disabled account, and ends its open SSO sign-ins", async () => {
    const open = await ssoSignIn("alice");
    expect((await me(open.jar)).status).toBe(200);
    const [alice] = await sql<{ id: string }>(fixture.db.url, "SELECT id FROM users WHERE email = 'alice@example.test'");
    expect((await fixture.api.request("PATCH", `/api/admin/users/${alice!.id}`, { disabled: true })).status).toBe(200);
    expect((await me(open.jar)).status).toBe(401);
    const { jar, final } = await ssoSignIn("alice");
    expect(final.searchParams.get("error")).toBe("sso_disabled");
    expect((await me(jar)).status).toBe(401);
  });

  it("links to an existing password account only after its password is proven once", async () => {
    const first = await ssoSignIn("admin");
    expect(first.final.pathname).toBe("/login");
    expect(first.final.searchParams.get("error")).toBe("sso_link");
    const link = first.final.searchParams.get("link")!;
    expect((await me(first.jar)).status).toBe(401);
    expect(await (await fetch(first.final.toString())).text()).toContain("Sign in with its password once");

    const credentials = async (password: string) => {
      const jar = new Jar();
      const csrf = (await (await go(jar, `${fixture.portal.baseUrl}/api/auth/csrf`)).json()) as { csrfToken: string };
      await go(jar, `${fixture.portal.baseUrl}/api/auth/callback/credentials`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrfToken: csrf.csrfToken, email: ADMIN.email, password, link, json: "true" }),
      });
      return jar;
    };
    // A wrong password links nothing.
    await credentials("not-the-admin-password");
    expect(await sql(fixture.db.url, "SELECT subject FROM user_identities WHERE subject = 'admin'")).toEqual([]);
    const proven = await credentials(ADMIN.password);
    expect((await me(proven)).status).toBe(200);
    expect(await sql(fixture.db.url, "SELECT subject FROM user_identities WHERE subject = 'admin'")).toEqual([{ subject: "admin" }]);

    const now = await ssoSignIn("admin");
    expect(now.final.pathname).toBe("/sessions");
    expect((await (await me(now.jar)).json()).user.email).toBe(ADMIN.email);
  });
});

describe("groups claim to team roles", () => {
  const teams: Record<string, string> = {};
  let bobId: string;

  const membership = async (team: string) =>
    (
      await sql<{ role: string; sso_group: string | null }>(
        fixture.db.url,
        "SELECT role::text, sso_group FROM memberships WHERE team_id = $1 AND user_id = $2",
        [teams[team], bobId],
      )
    )[0] ?? null;
  const ssoAudit = async (team: string) => {
    const { items } = await fixture.api.get(`/api/teams/${teams[team]}/audit?limit=50`);
    return (items as Array<{ action: string; actorId: string | null; targetId: string; detail: Record<string, unknown> }>)
      .filter((entry) => entry.detail?.via === "sso" && entry.targetId === bobId)
      .map((entry) => ({ action: entry.action, actorId: entry.actorId, ...entry.detail }))
      .reverse();
  };
  /** `undefined`: the provider sends no groups claim at all. */
  const signInWithGroups = async (groups: string[] | undefined) => {
    ACCOUNTS.bob.groups = groups;
    const { jar, final } = await ssoSignIn("bob");
    expect(final.pathname).toBe("/sessions");
    return jar;
  };

  beforeAll(async () => {
    for (const name of ["Engineering", "Ops", "Founders"]) teams[name] = (await fixture.api.post("/api/teams", { name })).id;
  });

  it("adds the mapped teams with the highest mapped role, changes the role with the groups, and takes back what it granted", async () => {
    const jar = await signInWithGroups(["eng", "ops", "unmapped"]);
    bobId = (await (await me(jar)).json()).user.id;
    expect(await membership("Engineering")).toEqual({ role: "member", sso_group: "eng" });
    expect(await membership("Ops")).toEqual({ role: "viewer", sso_group: "ops" });
    const { items } = await fixture.api.get(`/api/teams/${teams.Engineering}/members`);
    expect(items).toContainEqual(expect.objectContaining({ userId: bobId, role: "member", ssoGroup: "eng" }));
    // The line naming no team is skipped; the sign-in goes on.
    expect((await (await me(jar)).json()).teams.map((team: { name: string }) => team.name).sort()).toEqual(["Engineering", "Ops"]);

    await signInWithGroups(["eng", "eng-leads"]);
    expect(await membership("Engineering")).toEqual({ role: "admin", sso_group: "eng-leads" });
    expect(await membership("Ops")).toBeNull();

    // Signing in again with the same groups changes nothing and writes nothing.
    await signInWithGroups(["eng-leads", "eng"]);
    expect(await ssoAudit("Engineering")).toEqual([
      { action: "member.add", actorId: null, email: "bob@example.test", via: "sso", role: "member", group: "eng" },
      { action: "member.update", actorId: null, email: "bob@example.test", via: "sso", from: "member", to: "admin", group: "eng-leads" },
    ]);
    expect(await ssoAudit("Ops")).toEqual([
      { action: "member.add", actorId: null, email: "bob@example.test", via: "sso", role: "viewer", group: "ops" },
      { action: "member.remove", actorId: null, email: "bob@example.test", via: "sso", role: "viewer", group: "ops" },
    ]);
  });

  it("never touches a membership whose role was set by hand", async () => {
    // Setting the role it already has pins it too: the admin chose it.
    expect(await membership("Engineering")).toEqual({ role: "admin", sso_group: "eng-leads" });
    expect((await fixture.api.request("PATCH", `/api/teams/${teams.Engineering}/members/${bobId}`, { role: "admin" })).status).toBe(200);
    expect(await membership("Engineering")).toEqual({ role: "admin", sso_group: null });
    await signInWithGroups(["eng"]);
    expect(await membership("Engineering")).toEqual({ role: "admin", sso_group: null });

    expect((await fixture.api.request("PATCH", `/api/teams/${teams.Engineering}/members/${bobId}`, { role: "viewer" })).status).toBe(200);
    expect(await membership("Engineering")).toEqual({ role: "viewer", sso_group: null });
    await signInWithGroups(["eng-leads"]);
    expect(await membership("Engineering")).toEqual({ role: "viewer", sso_group: null });
    await signInWithGroups([]);
    expect(await membership("Engineering")).toEqual({ role: "viewer", sso_group: null });
  });

  it("never demotes or removes a team's last owner", async () => {
    await signInWithGroups(["founders"]);
    expect(await membership("Founders")).toEqual({ role: "owner", sso_group: "founders" });
    // The admin who made the team leaves it: the SSO-granted owner is the last one.
    const [adminRow] = await sql<{ id: string }>(fixture.db.url, "SELECT id FROM users WHERE email = $1", [ADMIN.email]);
    expect((await fixture.api.request("DELETE", `/api/teams/${teams.Founders}/members/${adminRow!.id}`)).status).toBe(204);

    await signInWithGroups(["founders-lite"]);
    expect(await membership("Founders")).toEqual({ role: "owner", sso_group: "founders" });
    await signInWithGroups([]);
    expect(await membership("Founders")).toEqual({ role: "owner", sso_group: "founders" });
    expect((await sql(fixture.db.url, "SELECT action FROM audit_entries WHERE team_id = $1 AND detail->>'via' = 'sso'", [teams.Founders])).length).toBe(1);
  });

  it("leaves SSO memberships as they are when the provider sends no groups claim, or a second team takes a mapped team's name", async () => {
    await signInWithGroups(["ops"]);
    expect(await membership("Ops")).toEqual({ role: "viewer", sso_group: "ops" });
    // No claim says nothing about the person's groups (a failed userinfo call, a provider that leaves it out).
    await signInWithGroups(undefined);
    expect(await membership("Ops")).toEqual({ role: "viewer", sso_group: "ops" });
    // Anyone may make a team called "Ops": the mapping's name is ambiguous then, and the real team keeps its SSO members.
    const impostor = (await fixture.api.post("/api/teams", { name: "Ops" })).id;
    await signInWithGroups([]);
    expect(await membership("Ops")).toEqual({ role: "viewer", sso_group: "ops" });
    const [inImpostor] = await sql(fixture.db.url, "SELECT 1 FROM memberships WHERE team_id = $1 AND user_id = $2", [impostor, bobId]);
    expect(inImpostor).toBeUndefined();
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssoSignIn, startIssuer, TEST_CLIENT, type TestIssuer } from "../fixtures/oidc-issuer";
import { ADMIN, apiFor, createTestDatabase, defaultTeamId, removeDir, startPortal, type Api, type Portal, type TestDatabase } from "./harness";
import { sql } from "./session-api-helpers";

// Single sign-on configured by an instance admin (GET|PUT|DELETE /api/admin/sso), on two portal
// instances sharing one database: what one saves, the other's sign-in page and sign-in use at once,
// with the client secret sealed at rest and never shown back. The issuer is a real `oidc-provider`.

const ACCOUNTS = { carol: { email: "carol@corp.test", name: "Carol", groups: ["eng"] } };
const MEMBER = { email: "member@corp.test", password: "member-password-123" };

let database: TestDatabase;
let portals: Portal[] = [];
let admins: Api[];
let issuer: TestIssuer;
let teamId: string;

beforeAll(async () => {
  issuer = await startIssuer(ACCOUNTS);
  database = await createTestDatabase("portal_sso_admin");
  // Instances of one portal share its secrets (cookies, and what one seals the other opens).
  const env = { NEXTAUTH_SECRET: randomBytes(32).toString("hex"), PORTAL_SECRETS_KEY: randomBytes(32).toString("hex") };
  for (let i = 0; i < 2; i += 1) portals.push(await startPortal({ databaseUrl: database.url, env }));
  issuer.mount(portals.map((portal) => `${portal.baseUrl}/api/auth/callback/oidc`));
  admins = await Promise.all(portals.map((portal) => apiFor(portal.baseUrl)));
  teamId = await defaultTeamId(admins[0]!);
  await admins[0]!.post(`/api/teams/${teamId}/members`, { email: MEMBER.email, role: "admin", password: MEMBER.password });
}, 180_000);

afterAll(async () => {
  for (const portal of portals) await portal.stop();
  for (const portal of portals) removeDir(portal.dataDir);
  await database?.drop();
  await issuer?.close();
  portals = [];
});

const loginPage = async (portal: Portal) => (await fetch(`${portal.baseUrl}/login`)).text();
const settingsBody = (overrides: Record<string, unknown> = {}) => ({
  issuer: issuer.url,
  clientId: TEST_CLIENT.id,
  clientSecret: TEST_CLIENT.secret,
  name: "Corp ID",
  allowedDomains: ["corp.test"],
  groupRoles: [{ group: "eng", team: "Default", role: "member" }],
  ...overrides,
});

describe("single sign-on set on /admin", () => {
  it("is off at first, and only instance admins may read or change it", async () => {
    expect(await admins[0]!.get("/api/admin/sso")).toMatchObject({ source: "none", clientSecretSet: false, issuer: null, groupRoles: [] });
    expect(await loginPage(portals[0]!)).not.toContain('data-testid="sso-button"');
    const teamAdmin = await apiFor(portals[0]!.baseUrl, MEMBER.email, MEMBER.password);
    for (const [method, body] of [["GET"], ["PUT", settingsBody()], ["DELETE"]] as const) {
      const answer = await teamAdmin.request(method, "/api/admin/sso", body);
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe("instance_admin_only");
    }
  });

  it("refuses settings it could not use, naming each field", async () => {
    const refused = async (body: unknown) => {
      const answer = await admins[0]!.request("PUT", "/api/admin/sso", body);
      expect(answer.status).toBe(422);
      return (answer.body.errors as Array<{ path: string }>).map((error) => error.path);
    };
    expect(await refused(settingsBody({ clientSecret: undefined }))).toEqual(["clientSecret"]);
    expect(await refused(settingsBody({ groupRoles: [{ group: "eng", team: "Nowhere", role: "member" }] }))).toEqual(["groupRoles.0.team"]);
    expect(await refused(settingsBody({ groupRoles: [{ group: "eng", team: "Default", role: "king" }] }))).toEqual(["groupRoles.0.role"]);
    expect(await refused(settingsBody({ allowedDomains: ["not a domain"] }))).toEqual(["allowedDomains.0"]);
    expect(await refused(settingsBody({ issuer: "ftp://id.example" }))).toEqual(["issuer"]);
    // A closed port: the issuer must answer discovery.
    expect(await refused(settingsBody({ issuer: "http://127.0.0.1:9" }))).toEqual(["issuer"]);
    expect(await refused(settingsBody({ surprise: true }))).toEqual(["(root)"]);
    expect(await admins[0]!.get("/api/admin/sso")).toMatchObject({ source: "none" });
  });

  it("saved on one instance, signs in on the other at once, with the secret sealed and never shown", async () => {
    const saved = await admins[0]!.request("PUT", "/api/admin/sso", settingsBody());
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      source: "admin",
      issuer: issuer.url,
      clientId: TEST_CLIENT.id,
      clientSecretSet: true,
      name: "Corp ID",
      allowedDomains: ["corp.test"],
      groupsClaim: "groups",
      groupRoles: [{ group: "eng", teamId, teamName: "Default", role: "member" }],
    });
    expect(JSON.stringify(saved.body)).not.toContain(TEST_CLIENT.secret);
    const [row] = await sql<{ value: string }>(database.url, "SELECT value::text FROM instance_settings WHERE key = 'sso'");
    expect(row!.value).not.toContain(TEST_CLIENT.secret);
    expect(row!.value).toMatch(/"sealedSecret": "v1\./);
    expect(JSON.stringify(await admins[1]!.get("/api/admin/sso"))).not.toContain(TEST_CLIENT.secret);

    expect(await loginPage(portals[1]!)).toContain("Sign in with Corp ID");
    const { jar, final } = await ssoSignIn(portals[1]!.baseUrl, "carol");
    expect(final.pathname).toBe("/sessions");
    const me = await (await fetch(`${portals[1]!.baseUrl}/api/me`, { headers: { cookie: jar.header(portals[1]!.baseUrl) } })).json();
    expect(me.user.email).toBe("carol@corp.test");
    // The admin's group mapping applied: carol is a member of the Default team through "eng".
    expect(me.teams).toEqual([expect.objectContaining({ id: teamId, role: "member" })]);
    const [identity] = await sql(database.url, "SELECT issuer FROM user_identities WHERE subject = 'carol'");
    expect(identity).toEqual({ issuer: issuer.url });
  });

  it("keeps the stored secret when a change leaves it out, and writes an instance audit entry per change", async () => {
    const renamed = await admins[1]!.request("PUT", "/api/admin/sso", settingsBody({ clientSecret: undefined, name: "Corp Login" }));
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Corp Login", clientSecretSet: true });
    expect(await loginPage(portals[0]!)).toContain("Sign in with Corp Login");
    expect((await ssoSignIn(portals[0]!.baseUrl, "carol")).final.pathname).toBe("/sessions");

    const audit = await sql<{ action: string; detail: Record<string, unknown> }>(
      database.url,
      "SELECT action, detail FROM audit_entries WHERE team_id IS NULL AND action LIKE 'sso.%' ORDER BY at",
    );
    expect(audit.map((entry) => [entry.action, entry.detail.secretChanged])).toEqual([
      ["sso.update", true],
      ["sso.update", false],
    ]);
    expect(JSON.stringify(audit)).not.toContain(TEST_CLIENT.secret);
  });

  it("turned off on one instance, is gone from the other's sign-in page and sign-in", async () => {
    expect((await admins[1]!.request("DELETE", "/api/admin/sso")).status).toBe(204);
    expect(await admins[0]!.get("/api/admin/sso")).toMatchObject({ source: "none" });
    expect(await loginPage(portals[0]!)).not.toContain('data-testid="sso-button"');
    const providers = await (await fetch(`${portals[0]!.baseUrl}/api/auth/providers`)).json();
    expect(Object.keys(providers)).toEqual(["credentials"]);
    // next-auth knows no such provider any more: back to the sign-in page, never to the issuer.
    const attempt = await ssoSignIn(portals[0]!.baseUrl, "carol");
    expect(attempt.authorize.origin).toBe(portals[0]!.baseUrl);
    expect(attempt.final.pathname).toBe("/login");
    expect((await fetch(`${portals[0]!.baseUrl}/api/me`, { headers: { cookie: attempt.jar.header(portals[0]!.baseUrl) } })).status).toBe(401);
    // Signing in with a password is unaffected.
    expect((await apiFor(portals[0]!.baseUrl, ADMIN.email, ADMIN.password)).token).toBeTruthy();
  });
});

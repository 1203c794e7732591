import http from "node:http";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, openPortal, type PortalFixture } from "./harness";
import { sql } from "./session-api-helpers";

// Single sign-on against a real OIDC server: the `oidc-provider` package on loopback, with its
// development login and consent forms, driven like a browser (cookies per origin, redirects followed
// by hand). Discovery, the code flow with PKCE and state, a tampered state, a domain that may not
// sign up, a disabled account, linking to an existing password account, and sign-out.

const CLIENT = { id: "agent-portal", secret: "oidc-test-client-secret-0123456789" };
const ACCOUNTS: Record<string, { email: string; name: string }> = {
  alice: { email: "alice@example.test", name: "Alice SSO" },
  mallory: { email: "mallory@elsewhere.test", name: "Mallory" },
  admin: { email: ADMIN.email, name: "The admin, by SSO" },
};

let fixture: PortalFixture;
let issuerServer: http.Server;
let issuer: string;

beforeAll(async () => {
  // The issuer's port must be known before the portal starts, and the portal's before the client is
  // registered: the server listens first, the provider is mounted once the portal is up.
  let handler: http.RequestListener | null = null;
  issuerServer = http.createServer((request, response) => (handler ? handler(request, response) : response.writeHead(503).end()));
  await new Promise<void>((resolve) => issuerServer.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(issuerServer.address() as { port: number }).port}`;
  fixture = await openPortal({
    env: {
      PORTAL_OIDC_ISSUER: issuer,
      PORTAL_OIDC_CLIENT_ID: CLIENT.id,
      PORTAL_OIDC_CLIENT_SECRET: CLIENT.secret,
      PORTAL_OIDC_NAME: "Test IdP",
      PORTAL_OIDC_ALLOWED_DOMAINS: "example.test",
    },
  });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [`${fixture.portal.baseUrl}/api/auth/callback/oidc`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    findAccount: async (_ctx, id) =>
      ACCOUNTS[id]
        ? { accountId: id, claims: async () => ({ sub: id, email: ACCOUNTS[id]!.email, email_verified: true, name: ACCOUNTS[id]!.name }) }
        : undefined,
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: ["oidc-test-cookie-key"] },
    pkce: { required: () => true },
  });
  // Koa answers through the response; the promise it returns settles its own errors.
  const callback = provider.callback();
  handler = (request, response) => void callback(request, response);
});

afterAll(async () => {
  await fixture?.close();
  await new Promise<void>((resolve) => issuerServer?.close(() => resolve()));
});

/** Cookies per origin, as a browser keeps them. */
class Jar {
  private readonly cookies = new Map<string, Map<string, string>>();
  header(url: string) {
    return [...(this.cookies.get(new URL(url).origin) ?? new Map()).entries()].map(([name, value]) => `${name}=${value}`).join("; ");
  }
  store(url: string, response: Response) {
    const origin = new URL(url).origin;
    const jar = this.cookies.get(origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(origin, jar);
  }
  get(url: string, name: string) {
    return this.cookies.get(new URL(url).origin)?.get(name);
  }
}

async function go(jar: Jar, url: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) } });
  jar.store(url, response);
  return response;
}

/**
 * A browser's SSO sign-in as `account`: the portal's sign-in POST, the provider's login and consent
 * forms, back to the portal's callback. `tamper` may change the callback URL (a forged state).
 * Returns where the portal sent the browser at the end, and the jar.
 */
async function ssoSignIn(account: string, options: { jar?: Jar; tamper?: (callback: URL) => void } = {}) {
  const jar = options.jar ?? new Jar();
  const base = fixture.portal.baseUrl;
  const csrf = (await (await go(jar, `${base}/api/auth/csrf`)).json()) as { csrfToken: string };
  const started = await go(jar, `${base}/api/auth/signin/oidc`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken: csrf.csrfToken, callbackUrl: `${base}/sessions`, json: "true" }),
  });
  const authorize = new URL(((await started.json()) as { url: string }).url);
  let url = authorize.toString();
  for (let step = 0; step < 20; step += 1) {
    const onPortal = url.startsWith(base);
    if (onPortal && !new URL(url).pathname.startsWith("/api/auth/")) return { jar, final: new URL(url), authorize };
    if (onPortal && new URL(url).pathname === "/api/auth/callback/oidc" && options.tamper) {
      const callback = new URL(url);
      options.tamper(callback);
      url = callback.toString();
      options.tamper = undefined;
    }
    const response = await go(jar, url);
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get("location")!, url).toString();
      continue;
    }
    const html = await response.text();
    const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
    if (response.status !== 200 || !prompt) throw new Error(`unexpected ${response.status} at ${url}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const submitted = await go(jar, new URL(action, url).toString(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(prompt === "login" ? { prompt, login: account, password: "anything" } : { prompt }),
    });
    url = new URL(submitted.headers.get("location")!, url).toString();
  }
  throw new Error("too many redirects");
}

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

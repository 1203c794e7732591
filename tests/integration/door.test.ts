import http from "node:http";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFor, openPortal, signIn, tokenClient, type Api, type PortalFixture } from "./harness";
import { expectKeysetPaging } from "./paging";

// The door, as an attacker would try it, against the real portal and PostgreSQL: sign-in limits,
// revocable sign-in sessions, open redirects, security headers, strings PostgreSQL cannot store,
// odd methods and paths, API rate limits, expiring tokens and disabled accounts.

const ACCOUNT_LIMIT = 5;
const API_LIMIT = 60;
const PASSWORD = "a-long-enough-password";
let fixture: PortalFixture;
let base: string;
let admin: Api;
let sql: pg.Client;

const uniqueEmail = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.test`;

/** One credentials POST like a browser's; answers the status, Retry-After and the JSON next-auth returns. */
async function attempt(email: string, password: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const cookies = csrf.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies, ...headers },
    body: new URLSearchParams({ csrfToken, email, password, json: "true", ...extra }),
    redirect: "manual",
  });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get("retry-after"), text, headers: response.headers };
}

async function newUser(name: string) {
  const email = uniqueEmail(name);
  const created = await admin.request("POST", `/api/teams/${fixture.teamId}/members`, { email, role: "member", name, password: PASSWORD });
  expect(created.status).toBe(201);
  return { email, userId: created.body.userId as string };
}

/** fetch refuses TRACE and made-up methods; a plain node:http request sends them. */
function rawRequest(method: string, path: string): Promise<{ status: number; body: any; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, { method }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === "string") headers.set(name, value);
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text), headers });
        } catch {
          reject(new Error(`${method} ${path}: ${response.statusCode} ${text.slice(0, 200)}`));
        }
      });
    });
    request.on("error", reject);
    request.end();
  });
}

// As the portal's own pages call it: a browser sends the page's Origin with a write (lib/api/with-route.ts needs it).
const withCookie = (cookie: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { cookie, origin: base, ...(init.headers ?? {}) }, redirect: "manual" });

beforeAll(async () => {
  fixture = await openPortal({
    env: { PORTAL_SIGN_IN_LIMIT_ACCOUNT: String(ACCOUNT_LIMIT), PORTAL_API_RATE_LIMIT: String(API_LIMIT), NEXTAUTH_URL: "" },
  });
  base = fixture.portal.baseUrl;
  admin = fixture.api;
  sql = new pg.Client({ connectionString: fixture.db.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await fixture?.close();
});

describe("sign-in throttling", () => {
  it("refuses an account with 429 + Retry-After after the limit, even with the right password, and the same for unknown emails", async () => {
    const { email } = await newUser("throttled");
    for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await attempt(email, "wrong-password-guess")).status).toBe(401);
    const blocked = await attempt(email, PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    expect(blocked.headers.get("content-type")).toBe("application/problem+json");
    expect(JSON.parse(blocked.text)).toMatchObject({ status: 429, requestId: blocked.headers.get("x-request-id") });

    // An unknown email is counted the same way, so the answers say nothing about which emails exist.
    const ghost = uniqueEmail("ghost");
    for (let i = 0; i < ACCOUNT_LIMIT; i++) expect((await attempt(ghost, "wrong-password-guess")).status).toBe(401);
    expect((await attempt(ghost, "wrong-password-guess")).status).toBe(429);

    // A spoofed X-Forwarded-For neither escapes the limit nor lands in the record.
    expect((await attempt(email, PASSWORD, {}, { "x-forwarded-for": "203.0.113.9" })).status).toBe(429);
    const other = await newUser("unthrottled");
    expect((await attempt(other.email, PASSWORD)).status).toBe(200);
  });

  it("records failed attempts for the account with IP and user agent, and in the audit of its teams", async () => {
    const { email, userId } = await newUser("recorded");
    expect((await attempt(email, "wrong-password-guess", {}, { "user-agent": "door-test/1.0", "x-forwarded-for": "198.51.100.7" })).status).toBe(401);
    const api = await apiFor(base, email, PASSWORD);
    const signIns = (await api.get("/api/me/sign-ins")).items as Array<{ ok: boolean; ip: string; userAgent: string }>;
    expect(signIns[0]).toMatchObject({ ok: true });
    expect(signIns).toContainEqual(expect.objectContaining({ ok: false, userAgent: "door-test/1.0", ip: "127.0.0.1" }));
    const audit = (await admin.get(`/api/teams/${fixture.teamId}/audit?limit=500`)).items as Array<{ action: string; actorId: string; ip: string }>;
    // The spoofed X-Forwarded-For is no more in the audit than in the account's record.
    expect(audit.filter((entry) => entry.action.startsWith("auth.") && entry.actorId === userId)).toEqual([
      expect.objectContaining({ action: "auth.sign_in", ip: "127.0.0.1" }),
      expect.objectContaining({ action: "auth.sign_in_failed", ip: "127.0.0.1" }),
    ]);
  });

  it("pages the account's whole sign-in history by keyset, newest first", async () => {
    const { email } = await newUser("history");
    expect((await attempt(email, "wrong-password-guess")).status).toBe(401);
    const api = await apiFor(base, email, PASSWORD);
    expect((await attempt(email, PASSWORD)).status).toBe(200);
    const history = await expectKeysetPaging(api, "/api/me/sign-ins", { atLeast: 3, newestFirst: "at" });
    expect(history.map((signIn) => signIn.ok)).toEqual([true, true, false]);
  });

  it("applies one password rule at creation and sign-in: 12–1,024 characters, not only whitespace", async () => {
    const longest = "p".repeat(1024);
    const email = uniqueEmail("longest");
    expect((await admin.request("POST", `/api/teams/${fixture.teamId}/members`, { email, role: "viewer", password: longest })).status).toBe(201);
    expect((await attempt(email, longest)).status).toBe(200);
    expect(
      (await admin.request("POST", `/api/teams/${fixture.teamId}/members`, { email: uniqueEmail("too-long"), role: "viewer", password: "p".repeat(1025) }))
        .status,
    ).toBe(422);
    expect(
      (await admin.request("POST", `/api/teams/${fixture.teamId}/members`, { email: uniqueEmail("spaces"), role: "viewer", password: " ".repeat(12) })).status,
    ).toBe(422);
  });

  it("refuses a NUL in the sign-in email with 422, without any database text", async () => {
    const result = await attempt("admin\u0000@example.test", PASSWORD);
    expect(result.status).toBe(422);
    expect(result.text).not.toMatch(/prisma|invalid byte|sequence/i);
  });
});

describe("revocable sign-in sessions", () => {
  it("an old cookie gets 401 after sign-out", async () => {
    const { email } = await newUser("signout");
    const cookie = await signIn(base, email, PASSWORD);
    expect((await withCookie(cookie, "/api/me")).status).toBe(200);
    const csrf = (await (await withCookie(cookie, "/api/auth/csrf")).json()) as { csrfToken: string };
    const out = await withCookie(cookie, "/api/auth/signout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken: csrf.csrfToken, callbackUrl: "/login", json: "true" }),
    });
    expect(out.status).toBe(200);
    // NEXTAUTH_URL is unset: next-auth answers with the request's own host and port.
    expect(((await out.json()) as { url: string }).url).toBe(`${base}/login`);
    expect((await withCookie(cookie, "/api/me")).status).toBe(401);
  });

  it("a password change ends every other sign-in and keeps this one; the old password stops working", async () => {
    const { email } = await newUser("changer");
    const mine = await signIn(base, email, PASSWORD);
    const other = await signIn(base, email, PASSWORD);
    const wrong = await withCookie(mine, "/api/me/password", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ currentPassword: "not-the-password", newPassword: "a-new-long-password" }),
    });
    expect(wrong.status).toBe(422);
    const changed = await withCookie(mine, "/api/me/password", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ currentPassword: PASSWORD, newPassword: "a-new-long-password" }),
    });
    expect(changed.status).toBe(204);
    expect((await withCookie(other, "/api/me")).status).toBe(401);
    expect((await withCookie(mine, "/api/me")).status).toBe(200);
    expect((await attempt(email, PASSWORD)).status).toBe(401);
    expect((await attempt(email, "a-new-long-password")).status).toBe(200);
  });

  it("sign out everywhere ends the other sign-ins", async () => {
    const { email } = await newUser("everywhere");
    const mine = await signIn(base, email, PASSWORD);
    const other = await signIn(base, email, PASSWORD);
    expect((await withCookie(mine, "/api/me/sign-out-everywhere", { method: "POST" })).status).toBe(204);
    expect((await withCookie(other, "/api/me")).status).toBe(401);
    expect((await withCookie(mine, "/api/me")).status).toBe(200);
  });

  it("a sign-in past its idle time is over", async () => {
    const { email, userId } = await newUser("idle");
    const cookie = await signIn(base, email, PASSWORD);
    await sql.query(`UPDATE sign_in_sessions SET last_seen_at = now() - interval '8 days' WHERE user_id = $1`, [userId]);
    // The per-process check is cached for at most a few seconds.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) status = (await withCookie(cookie, "/api/me")).status;
    expect(status).toBe(401);
  });
});

describe("redirects and headers", () => {
  it("takes callbackUrl only when it stays on the portal's origin", async () => {
    const { email } = await newUser("redirect");
    for (const evil of ["/\\evil.example/x", "/%5Cevil.example/x", "/\t/evil.example", "//evil.example", "https://evil.example/"]) {
      const result = await attempt(email, PASSWORD, { callbackUrl: evil });
      expect(new URL((JSON.parse(result.text) as { url: string }).url).origin).toBe(base);
    }
    const cookie = await signIn(base, email, PASSWORD);
    for (const evil of ["/%5Cevil.example/x", "/%09/evil.example", "//evil.example"]) {
      const response = await withCookie(cookie, `/login?callbackUrl=${evil}`);
      expect(response.status).toBe(307);
      expect(new URL(response.headers.get("location")!, base).origin).toBe(base);
    }
  });

  it("sends the security headers on pages and API answers; a spoofed X-Forwarded-Proto gets no HSTS", async () => {
    const cookie = await signIn(base);
    const page = await withCookie(cookie, "/sessions", { headers: { "x-forwarded-proto": "https" } });
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(await page.text()).toContain(`nonce="${nonce}"`);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("strict-transport-security")).toBeNull();
    const api = await fetch(`${base}/api/health`);
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
    expect(api.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    const csrf = await fetch(`${base}/api/auth/csrf`);
    expect(csrf.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const sessionCookie = cookie.split("; ").find((part) => part.startsWith("next-auth.session-token"));
    expect(sessionCookie).toBeTruthy();
  });

  it("redirects a trailing slash or a doubled one to the path without it, on this host, each step with a request id", async () => {
    for (const [path, location] of [
      ["/api/health/?full=1", "/api/health?full=1"],
      ["/sessions//", "/sessions"],
      ["//evil.example/", "/evil.example"],
    ]) {
      // Next answers "//" itself (one hop), proxy.ts the trailing slash (the next).
      let at = path;
      let hops = 0;
      for (;;) {
        const response = await fetch(`${base}${at}`, { redirect: "manual" });
        if (response.status !== 308) break;
        expect(response.headers.get("x-request-id"), at).toMatch(/^[0-9a-f-]{36}$/);
        at = response.headers.get("location")!;
        expect(at.startsWith("/") && !at.startsWith("//"), at).toBe(true);
        expect(++hops, path).toBeLessThanOrEqual(2);
      }
      expect(at, path).toBe(location);
    }
  });

  it("makes the session cookie HttpOnly and SameSite=Lax", async () => {
    const csrf = await fetch(`${base}/api/auth/csrf`);
    const cookies = csrf.headers
      .getSetCookie()
      .map((cookie) => cookie.split(";")[0])
      .join("; ");
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await fetch(`${base}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
      body: new URLSearchParams({ csrfToken, email: "admin@example.test", password: "correct-horse-battery", json: "true" }),
    });
    const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith("next-auth.session-token="))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
  });
});

describe("one input rule", () => {
  it("refuses text PostgreSQL cannot store in bodies, queries and paths with 422; bad %-encoding 400; odd methods 405; unknown API paths 404", async () => {
    const expectProblem = async (response: { status: number; body: any; headers: Headers }, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.body.requestId).toBe(response.headers.get("x-request-id"));
    };
    await expectProblem(await admin.request("POST", "/api/teams", { name: "nul\u0000team" }), 422);
    await expectProblem(await admin.request("POST", "/api/sessions", JSON.stringify({ teamId: fixture.teamId, agent: "demo", title: "half \ud83d" })), 422);
    await expectProblem(await admin.request("POST", "/api/tokens", '{"name":"a\\ud800b"}'), 422);
    await expectProblem(await admin.request("GET", "/api/sessions/%00"), 422);
    await expectProblem(await admin.request("GET", `/api/teams/${fixture.teamId}/audit?cursor=%00`), 422);
    await expectProblem(await admin.request("GET", "/api/sessions/%E0%A4%A"), 400);
    await expectProblem(await admin.request("GET", "/api/teams/%ZZ/members"), 400);
    for (const method of ["TRACE", "PROPFIND", "PURGE"]) await expectProblem(await rawRequest(method, "/api/me"), 405);
    await expectProblem(await admin.request("PUT", "/api/health"), 405);
    await expectProblem(await admin.request("DELETE", "/api/tokens"), 405);
    await expectProblem(await admin.request("GET", "/api/no-such-thing"), 404);
    await expectProblem(await admin.request("GET", "/api"), 404);
    await expectProblem(await admin.request("DELETE", "/api/no/such/thing"), 404);
  });
});

describe("API limits and tokens", () => {
  it("answers 429 + Retry-After past the per-token rate", async () => {
    const api = await apiFor(base);
    let limited: { status: number; headers: Headers } | undefined;
    for (let i = 0; i <= API_LIMIT && !limited; i++) {
      const response = await api.request("GET", "/api/me");
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(200);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("a token cannot create tokens; an expired token is refused; an expiry is given in days", async () => {
    const api = await apiFor(base);
    expect((await api.request("POST", "/api/tokens", { name: "child" })).status).toBe(403);
    const cookie = await signIn(base);
    const created = await withCookie(cookie, "/api/tokens", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "short-lived", expiresInDays: 30 }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    const body = (await created.json()) as { id: string; token: string; expiresAt: string };
    expect(new Date(body.expiresAt).getTime() - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
    const short = tokenClient(base, body.token);
    expect((await short.request("GET", "/api/me")).status).toBe(200);
    await sql.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [body.id]);
    expect((await short.request("GET", "/api/me")).status).toBe(401);
  });

  it("disabling a user ends their sign-ins and tokens at once; the instance admin flag owns /api/admin/*", async () => {
    const { email, userId } = await newUser("disabled");
    const cookie = await signIn(base, email, PASSWORD);
    const api = await apiFor(base, email, PASSWORD);
    expect((await api.request("GET", "/api/admin/runtime")).status).toBe(403);
    expect((await api.request("PATCH", `/api/admin/users/${userId}`, { disabled: true })).status).toBe(403);
    expect((await admin.request("GET", "/api/admin/runtime")).status).toBe(200);
    expect((await admin.request("PATCH", `/api/admin/users/${userId}`, { disabled: true })).body).toMatchObject({ disabled: true });
    expect((await withCookie(cookie, "/api/me")).status).toBe(401);
    expect((await api.request("GET", "/api/me")).status).toBe(401);
    expect((await attempt(email, PASSWORD)).status).toBe(401);
  });
});

import { randomBytes } from "node:crypto";
import { readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, allEvents, openPortal, signIn, tokenClient, waitForIdle, type Api, type PortalFixture } from "./harness";
import { createDemoSession, createMember, expectProblem } from "./session-api-helpers";

// What an operator and an attacker see of one real portal (bwrap sandboxes, behind a trusted proxy so
// client addresses can be chosen): the Files API never following a link out of a workspace, cookie
// writes needing a same-origin proof, the sign-in lock per address, the metrics endpoint, and — over
// the whole run — no secret the run created in any log line.

const METRICS_TOKEN = randomBytes(32).toString("hex");
const MEMBER_PASSWORD = `member-${randomBytes(9).toString("base64url")}`;
const WRONG_PASSWORD = `wrong-${randomBytes(9).toString("base64url")}`;
let fixture: PortalFixture;
let base: string;
let api: Api;
/** Every secret this run created or used, grepped for in the portal's output at the end. */
const secrets = new Map<string, string>();

beforeAll(async () => {
  fixture = await openPortal({
    env: { PORTAL_SANDBOX: "bwrap", PORTAL_TRUST_PROXY: "1", PORTAL_METRICS_TOKEN: METRICS_TOKEN, PORTAL_SIGN_IN_LIMIT_ACCOUNT: "10" },
  });
  ({ api } = fixture);
  base = fixture.portal.baseUrl;
  secrets.set("admin password", ADMIN.password);
  secrets.set("admin bearer token", api.token);
  secrets.set("metrics token", METRICS_TOKEN);
  secrets.set("member password", MEMBER_PASSWORD);
  secrets.set("wrong password", WRONG_PASSWORD);
  secrets.set("NEXTAUTH secret", readFileSync(path.join(fixture.portal.dataDir, "nextauth-secret"), "utf8").trim());
});
afterAll(() => fixture?.close());

const sessionToken = (cookie: string) =>
  cookie
    .split("; ")
    .find((part) => part.startsWith("next-auth.session-token="))!
    .split("=")[1]!;

/** One credentials POST like a browser's, from the given client address. */
async function attempt(email: string, password: string, address: string) {
  const forwarded = { "x-forwarded-for": address };
  const csrf = await fetch(`${base}/api/auth/csrf`, { headers: forwarded });
  const cookies = csrf.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies, ...forwarded },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
    redirect: "manual",
  });
  for (const cookie of response.headers.getSetCookie())
    if (cookie.startsWith("next-auth.session-token=")) secrets.set(`sign-in cookie of ${email}`, cookie.split(";")[0]!.split("=")[1]!);
  await response.text();
  return response.status;
}

describe("cookie writes", () => {
  it("need a same-origin Origin or Sec-Fetch-Site: same-origin; bearer tokens need neither", async () => {
    const cookie = await signIn(base);
    secrets.set("admin sign-in cookie", sessionToken(cookie));
    const create = async (headers: Record<string, string>) => {
      const response = await fetch(`${base}/api/tokens`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: JSON.stringify({ name: "origin check" }),
      });
      const body = await response.json();
      if (body.token) secrets.set(`token ${secrets.size}`, body.token);
      return { status: response.status, body, headers: response.headers };
    };
    expectProblem(await create({}), 403, "cross_origin");
    expectProblem(await create({ origin: "https://evil.example" }), 403, "cross_origin");
    expectProblem(await create({ origin: "null" }), 403, "cross_origin");
    expectProblem(await create({ "sec-fetch-site": "cross-site" }), 403, "cross_origin");
    expectProblem(await create({ "sec-fetch-site": "same-site" }), 403, "cross_origin");
    expect((await create({ origin: base })).status).toBe(201);
    expect((await create({ "sec-fetch-site": "same-origin" })).status).toBe(201);
    // A read needs no proof; a bearer write needs none either.
    expect((await fetch(`${base}/api/me`, { headers: { cookie } })).status).toBe(200);
    expect((await api.request("POST", "/api/sessions", { teamId: fixture.teamId, agent: "demo" })).status).toBe(201);
  });
});

describe("the sign-in lock", () => {
  it("locks a stranger's address out of an account after ten wrong passwords, not the owner signing in from another", async () => {
    const email = `owner-${randomBytes(4).toString("hex")}@example.test`;
    expect(
      (await api.request("POST", `/api/teams/${fixture.teamId}/members`, { email, role: "member", name: "Owner", password: MEMBER_PASSWORD })).status,
    ).toBe(201);
    const stranger = "198.51.100.23";
    for (let i = 0; i < 10; i += 1) expect(await attempt(email, WRONG_PASSWORD, stranger)).toBe(401);
    expect(await attempt(email, MEMBER_PASSWORD, stranger)).toBe(429);
    expect(await attempt(email, MEMBER_PASSWORD, "203.0.113.77")).toBe(200);
    // The stranger's address stays locked out of that account.
    expect(await attempt(email, MEMBER_PASSWORD, stranger)).toBe(429);
  });
});

describe("the Files API", () => {
  it("answers 404 for links out of the workspace (/proc/1/environ, .., an absolute path) and follows links inside", async () => {
    const session = await createDemoSession(api, fixture.teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/write notes.txt inside the workspace" });
    await waitForIdle(api, session.id);
    const host = path.join(fixture.portal.dataDir, "sandboxes", session.sandboxId, "workspace");
    symlinkSync("/proc/1/environ", path.join(host, "l_env"));
    symlinkSync("..", path.join(host, "up"));
    symlinkSync("/etc", path.join(host, "etc-link"));
    symlinkSync("/workspace/notes.txt", path.join(host, "abs-inside"));
    symlinkSync("notes.txt", path.join(host, "rel-inside"));

    const content = (file: string) => api.request("GET", `/api/sandboxes/${session.sandboxId}/files/content?path=${encodeURIComponent(file)}`);
    for (const outside of ["l_env", "up", "up/workspace/notes.txt", "etc-link/passwd", "etc-link"]) expectProblem(await content(outside), 404, "not_found");
    expectProblem(await api.request("GET", `/api/sandboxes/${session.sandboxId}/files?path=up`), 404, "not_found");
    for (const inside of ["notes.txt", "abs-inside", "rel-inside"]) {
      const read = await fetch(`${base}/api/sandboxes/${session.sandboxId}/files/content?path=${inside}`, {
        headers: { authorization: `Bearer ${api.token}` },
      });
      expect(read.status).toBe(200);
      expect(await read.text()).toContain("inside the workspace");
    }
    const listed = (await api.get(`/api/sandboxes/${session.sandboxId}/files`)).items.map((item: { name: string }) => item.name);
    expect(listed).toEqual(expect.arrayContaining(["notes.txt", "abs-inside", "rel-inside"]));
    for (const hidden of ["l_env", "up", "etc-link"]) expect(listed).not.toContain(hidden);
  });
});

describe("GET /api/metrics", () => {
  const scrape = async (headers: Record<string, string>) => {
    const response = await fetch(`${base}/api/metrics`, { headers });
    const text = await response.text();
    return { status: response.status, text, type: response.headers.get("content-type") };
  };
  const parse = (text: string) =>
    parsePrometheusTextFormat(text) as Array<{
      name: string;
      type: string;
      metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }>;
    }>;
  const family = (text: string, name: string) => parse(text).find((metric) => metric.name === name)!;
  const sample = (text: string, name: string, labels: Record<string, string> = {}) =>
    family(text, name).metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));

  // parse-prometheus-text-format 1.1.1 keeps a histogram's buckets but drops its labels, _count and _sum: read those from the text.
  const histogramCount = (text: string, name: string, labels = "") =>
    Number(
      text
        .split("\n")
        .find((line) => line.startsWith(`${name}_count${labels} `))
        ?.split(" ")[1] ?? NaN,
    );

  it("is for the metrics token or an instance admin, in Prometheus text that moves with the portal", async () => {
    expectProblem({ ...(await fetch(`${base}/api/metrics`).then(async (r) => ({ status: r.status, body: await r.json(), headers: r.headers }))) }, 401);
    expect((await scrape({ authorization: `Bearer ${"x".repeat(64)}` })).status).toBe(401);
    const member = await createMember(base, fixture.db.url, { teamId: fixture.teamId, role: "admin" });
    secrets.set("member token", member.token);
    expectProblem(await member.request("GET", "/api/metrics"), 403, "instance_admin_only");
    expect((await scrape({ authorization: `Bearer ${api.token}` })).status).toBe(200);

    const before = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(before.status).toBe(200);
    expect(before.type).toContain("text/plain");
    const session = await createDemoSession(api, fixture.teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/burst 500" });
    await waitForIdle(api, session.id);
    const viewer = new AbortController();
    const stream = await fetch(`${base}/api/sessions/${session.id}/stream`, { headers: { authorization: `Bearer ${api.token}` }, signal: viewer.signal });
    expect(stream.status).toBe(200);
    const after = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    viewer.abort();

    const prompts = (text: string) =>
      Number(sample(text, "portal_http_requests_total", { route: "/api/sessions/:id/prompt", method: "POST", status: "202" })?.value ?? 0);
    expect(prompts(after.text)).toBe(prompts(before.text) + 1);
    // No raw id in a route label: every path parameter is named.
    for (const metric of family(after.text, "portal_http_requests_total").metrics) expect(metric.labels!.route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    expect(histogramCount(after.text, "portal_http_request_duration_seconds", '{route="/api/sessions",method="POST"}')).toBeGreaterThan(0);
    expect(family(after.text, "portal_http_request_duration_seconds").type).toBe("HISTOGRAM");
    expect(Number(sample(after.text, "portal_sandboxes", { status: "running" })?.value)).toBeGreaterThanOrEqual(1);
    const batches = (text: string) => histogramCount(text, "portal_event_writer_batch_seconds");
    expect(batches(after.text)).toBeGreaterThan(batches(before.text));
    expect(sample(after.text, "portal_event_writer_backlog")?.value).toBeDefined();
    expect(Number(sample(after.text, "portal_live_viewers")?.value)).toBeGreaterThanOrEqual(1);
    expect(family(after.text, "portal_runtime_losses_total")).toBeDefined();
    expect(family(after.text, "portal_gateway_calls_total")).toBeDefined();
  });
});

describe("the logs", () => {
  it("are JSON lines with level, instance and request id, and hold no secret the run created", async () => {
    // An invitation's link carries its token; accepting it sets a password.
    const invited = await api.post(`/api/teams/${fixture.teamId}/invitations`, {
      email: `invited-${randomBytes(4).toString("hex")}@example.test`,
      role: "member",
    });
    const token = new URL(invited.url).pathname.split("/").filter(Boolean).at(-1)!;
    secrets.set("invitation token", token);
    const invitedPassword = `invited-${randomBytes(9).toString("base64url")}`;
    secrets.set("invited password", invitedPassword);
    const accepted = await fetch(`${base}/api/invitations/${token}/accept`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Invited", password: invitedPassword }),
    });
    expect(accepted.status).toBe(201);
    // A team's model key goes to the gateway's sealed store, never into a line.
    const teamKey = `sk-ant-${randomBytes(18).toString("hex")}`;
    secrets.set("team model key", teamKey);
    expect(
      (await api.request("PUT", `/api/teams/${fixture.teamId}/credentials/anthropic`, { apiKey: teamKey, baseUrl: "https://llm-gateway.example.test" })).status,
    ).toBe(200);
    const session = await createDemoSession(api, fixture.teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "hello, with nothing secret" });
    await waitForIdle(api, session.id);
    expect((await allEvents(api, session.id)).length).toBeGreaterThan(2);
    const short = tokenClient(base, api.token);
    expect((await short.request("GET", "/api/me")).status).toBe(200);

    const output = fixture.portal.output();
    const lines = output.split("\n").filter((line) => line.startsWith("{"));
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((entry) => entry.msg === "request");
    expect(requests.length).toBeGreaterThan(10);
    for (const entry of requests)
      expect(entry).toMatchObject({ level: "info", instance: expect.any(String), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), area: "api" });
    expect(requests.some((entry) => entry.route === "/api/invitations/:token/accept")).toBe(true);
    expect(secrets.size).toBeGreaterThanOrEqual(10);
    for (const [name, secret] of secrets) expect(output.includes(secret), `${name} is in the log`).toBe(false);
  });
});

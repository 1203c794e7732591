import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPortal, type Api, type PortalFixture } from "./harness";

// A bounded property-based fuzz over the API: arbitrary JSON bodies (with NUL, lone surrogates,
// huge numbers, wrong types), query values and path parameters made of arbitrary bytes. Whatever
// comes in, the answer is never a 5xx, every error is problem+json carrying the request id and no
// internal detail, and the data that was there before is still there after.

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
let fixture: PortalFixture;
let api: Api;
let sessionId: string;

beforeAll(async () => {
  fixture = await openPortal({ env: { PORTAL_API_RATE_LIMIT: "100000", PORTAL_SIGN_IN_LIMIT_IP: "100000" } });
  api = fixture.api;
  sessionId = (await api.post("/api/sessions", { teamId: fixture.teamId, agent: "demo", title: "fuzz target" })).id;
});
afterAll(() => fixture?.close());

/** Any UTF-16 string, lone surrogates and NUL included. */
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("\u0000", "\ud800", "\udfff", "a\u0000b", "😀".slice(0, 1), " ", "", "x".repeat(5000)),
);
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    anyText,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(anyText, tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** Bodies shaped like the real ones (known keys, any values) and anything at all. */
const bodyFor = (keys: string[]) => fc.oneof(anyJson, fc.record(Object.fromEntries(keys.map((key) => [key, anyJson])), { requiredKeys: [] }));
/** A path segment of arbitrary bytes, percent-encoded (so also invalid UTF-8), or plain text. */
const segment = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("")),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
  fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "%ED%A0%80", ".."),
);
const queryValue = fc.oneof(segment, fc.integer().map(String), fc.constantFrom("-1", "1e9", "NaN", ""));

interface Target {
  method: string;
  path: (param: string) => string;
  keys?: string[];
  query?: string[];
}

const TARGETS: Target[] = [
  { method: "POST", path: () => "/api/teams", keys: ["name"] },
  { method: "PATCH", path: () => "/api/me", keys: ["name", "activeTeamId"] },
  { method: "PUT", path: () => "/api/me/password", keys: ["currentPassword", "newPassword"] },
  { method: "POST", path: () => "/api/tokens", keys: ["name", "expiresInDays"] },
  { method: "DELETE", path: (p) => `/api/tokens/${p}` },
  { method: "GET", path: (p) => `/api/teams/${p}/members`, query: ["cursor", "limit"] },
  { method: "POST", path: () => `/api/teams/${fixture.teamId}/members`, keys: ["email", "role", "name", "password"] },
  { method: "PATCH", path: (p) => `/api/teams/${fixture.teamId}/members/${p}`, keys: ["role"] },
  { method: "GET", path: () => `/api/teams/${fixture.teamId}/audit`, query: ["cursor", "limit", "actorId", "action", "from", "to"] },
  { method: "POST", path: () => `/api/teams/${fixture.teamId}/invitations`, keys: ["email", "role"] },
  { method: "DELETE", path: (p) => `/api/teams/${fixture.teamId}/invitations/${p}` },
  { method: "POST", path: (p) => `/api/me/invitations/${p}/accept` },
  { method: "POST", path: (p) => `/api/invitations/${p}/accept`, keys: ["name", "password"] },
  { method: "PATCH", path: (p) => `/api/admin/users/${p}`, keys: ["disabled", "isInstanceAdmin"] },
  { method: "GET", path: () => "/api/admin/users", query: ["cursor", "limit"] },
  { method: "PUT", path: () => "/api/admin/settings", keys: ["teamCreation", "webhookTargets"] },
  { method: "PUT", path: () => "/api/admin/sso", keys: ["issuer", "clientId", "clientSecret", "name", "allowedDomains", "groupsClaim", "groupRoles"] },
  { method: "PUT", path: () => `/api/teams/${fixture.teamId}/policy`, keys: ["rules"] },
  { method: "PUT", path: () => `/api/teams/${fixture.teamId}/budget`, keys: ["monthlyUsd", "memberMonthlyUsd"] },
  { method: "GET", path: () => `/api/teams/${fixture.teamId}/usage`, query: ["from", "to", "groupBy", "limit", "format"] },
  { method: "GET", path: (p) => `/api/teams/${fixture.teamId}/webhooks/${p}/deliveries`, query: ["cursor", "limit"] },
  // The other paged lists: any cursor or limit is a 400 or 422, never a 5xx.
  ...["tokens", "me/sign-ins", "me/invitations", "teams/:team/invitations", "teams/:team/shares", "teams/:team/webhooks", "teams/:team/credentials"].map(
    (list): Target => ({ method: "GET", path: () => `/api/${list.replace(":team", fixture.teamId)}`, query: ["cursor", "limit"] }),
  ),
  { method: "GET", path: () => `/api/sessions/${sessionId}/shares`, query: ["cursor", "limit"] },
  { method: "GET", path: (p) => `/api/share/${p}/events`, query: ["after", "limit"] },
  { method: "GET", path: () => "/api/sessions", query: ["teamId", "status", "agent", "q", "cursor", "limit"] },
  { method: "POST", path: () => "/api/sessions", keys: ["teamId", "agent", "title", "cwd", "model", "mode", "thoughtLevel"] },
  { method: "GET", path: (p) => `/api/sessions/${p}` },
  { method: "PATCH", path: () => `/api/sessions/${sessionId}`, keys: ["title", "model", "mode", "thoughtLevel", "archived"] },
  { method: "PUT", path: (p) => `/api/sessions/${sessionId}/config/${p}`, keys: ["value"] },
  { method: "POST", path: () => `/api/sessions/${sessionId}/prompt`, keys: ["text", "content"] },
  { method: "GET", path: () => `/api/sessions/${sessionId}/events`, query: ["after", "limit"] },
  { method: "POST", path: (p) => `/api/sessions/${sessionId}/permissions/${p}`, keys: ["reply"] },
];

async function snapshot() {
  const members = (await api.get(`/api/teams/${fixture.teamId}/members?limit=500`)).items as Array<{ email: string; role: string }>;
  const session = await api.get(`/api/sessions/${sessionId}`);
  return {
    members: members.map((member) => `${member.email}:${member.role}`).sort(),
    session: { id: session.id, teamId: session.teamId, agent: session.agent },
  };
}

describe("fuzzed requests", () => {
  it("never answer 5xx; errors are problem+json with the request id and no internals; data stays intact", async () => {
    const before = await snapshot();
    for (const target of TARGETS) {
      const query = target.query ? fc.dictionary(fc.constantFrom(...target.query), queryValue, { maxKeys: target.query.length }) : fc.constant({});
      const body = target.keys ? fc.option(bodyFor(target.keys), { nil: undefined }) : fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(segment, query, body, async (param, params, payload) => {
          const search = Object.entries(params)
            .map(([key, value]) => `${key}=${value}`)
            .join("&");
          const url = `${fixture.portal.baseUrl}${target.path(param)}${search ? `?${search}` : ""}`;
          let text: string;
          try {
            text = JSON.stringify(payload);
          } catch {
            text = "{}";
          }
          const response = await fetch(url, {
            method: target.method,
            headers: { authorization: `Bearer ${api.token}`, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
            body: payload === undefined ? undefined : text,
            // A ".." segment leaves the route (`/api/teams/T/invitations/..` is `/api/teams/T/`); following the
            // trailing-slash redirect would send the DELETE to the team itself and delete it.
            redirect: "manual",
          });
          const answer = await response.text();
          const requestId = response.headers.get("x-request-id");
          expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
          // The trailing-slash redirect of a path a ".." took out of the route: no route answered.
          if (response.status === 308) return;
          expect(response.status, `${target.method} ${url} ${text?.slice(0, 200)} → ${answer.slice(0, 300)}`).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.headers.get("content-type")).toBe("application/problem+json");
            const problem = JSON.parse(answer) as { status: number; requestId: string };
            expect(problem.status).toBe(response.status);
            expect(problem.requestId).toBe(requestId);
            expect(answer).not.toMatch(/prisma|postgres|invalid byte sequence|\bat \/|node_modules|sandbox-agent/i);
            expect(answer).not.toMatch(/\bSELECT |\bINSERT INTO |\bWHERE /);
          }
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261201), endOnFailure: true },
      );
    }
    const after = await snapshot();
    expect(after.session).toEqual(before.session);
    for (const member of before.members) expect(after.members).toContain(member);
  });
});

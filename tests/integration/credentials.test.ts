import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, openPortal, waitForIdle, type Api, type PortalFixture } from "./harness";
import { expectKeysetPaging } from "./paging";
import { createDemoSession, createMember, createTeam, expectProblem, sql } from "./session-api-helpers";

// A team's model credentials through the contract (admin+, never a key in an answer, sealed at rest,
// audited), and what a sandbox sees of them under the default `models` network: its gateway on its
// own loopback and nothing of the host, and no key anywhere in its environment or files.

const INSTANCE_KEY = "sk-ant-instance-default-key-0001";
const TEAM_KEY = "sk-ant-team-own-key-secret-0002";

let fixture: PortalFixture;
let api: Api;
let teamId: string;

beforeAll(async () => {
  fixture = await openPortal({ env: { ANTHROPIC_API_KEY: INSTANCE_KEY } });
  ({ api, teamId } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

async function say(sessionId: string, text: string): Promise<string> {
  const before = (await allEvents(api, sessionId)).length;
  await api.post(`/api/sessions/${sessionId}/prompt`, { text });
  await waitForIdle(api, sessionId, 30_000);
  return (await allEvents(api, sessionId))
    .slice(before)
    .filter((e) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
    .map((e) => e.payload.params.update.content.text)
    .join("");
}

describe("team credentials", () => {
  it("are set, listed and removed by admins, never shown, sealed at rest and audited", async () => {
    const initial = await api.request("GET", `/api/teams/${teamId}/credentials`);
    expect(initial.status).toBe(200);
    expect(initial.body.items).toEqual([
      expect.objectContaining({ provider: "anthropic", source: "instance", keyHint: null }),
      expect.objectContaining({ provider: "openai", source: "none" }),
    ]);

    const set = await api.request("PUT", `/api/teams/${teamId}/credentials/anthropic`, { apiKey: TEAM_KEY, baseUrl: "https://llm-gateway.example.test" });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      provider: "anthropic",
      source: "team",
      keyHint: "0002",
      baseUrl: "https://llm-gateway.example.test",
      setBy: "admin@example.test",
      lastUsedAt: null,
    });
    const listed = await api.request("GET", `/api/teams/${teamId}/credentials`);
    expect(JSON.stringify(listed.body)).not.toContain(TEAM_KEY);
    expect(JSON.stringify(listed.body)).not.toContain(INSTANCE_KEY);
    // One item per provider in their fixed order, paged like every list.
    const paged = await expectKeysetPaging(api, `/api/teams/${teamId}/credentials`, { atLeast: 2, key: "provider" });
    expect(paged.map((credential) => [credential.provider, credential.source])).toEqual([
      ["anthropic", "team"],
      ["openai", "none"],
    ]);
    const [stored] = await sql<{ encrypted_key: string }>(fixture.db.url, "SELECT encrypted_key FROM team_credentials WHERE team_id = $1", [teamId]);
    expect(stored!.encrypted_key).not.toContain("team-own-key");

    expect((await api.request("DELETE", `/api/teams/${teamId}/credentials/anthropic`)).status).toBe(204);
    expectProblem(await api.request("DELETE", `/api/teams/${teamId}/credentials/anthropic`), 404, "not_found");
    const actions = await sql<{ action: string; detail: unknown }>(
      fixture.db.url,
      "SELECT action, detail FROM audit_entries WHERE team_id = $1 AND action LIKE 'credential.%' ORDER BY at",
      [teamId],
    );
    expect(actions.map((entry) => entry.action)).toEqual(["credential.set", "credential.remove"]);
    expect(JSON.stringify(actions)).not.toContain(TEAM_KEY);
  });

  it("answer members with 403, other teams with 404, and bad input with a clear 422", async () => {
    const member = await createMember(api.baseUrl, fixture.db.url, { teamId, role: "member" });
    expectProblem(await member.request("GET", `/api/teams/${teamId}/credentials`), 403, "role_too_low");
    expectProblem(await member.request("PUT", `/api/teams/${teamId}/credentials/anthropic`, { apiKey: TEAM_KEY }), 403, "role_too_low");
    const otherTeam = await createTeam(fixture.db.url, "Elsewhere");
    const outsider = await createMember(api.baseUrl, fixture.db.url, { teamId: otherTeam, role: "owner" });
    expectProblem(await outsider.request("GET", `/api/teams/${teamId}/credentials`), 404, "not_found");

    expectProblem(await api.request("PUT", `/api/teams/${teamId}/credentials/gemini`, { apiKey: TEAM_KEY }), 404, "not_found");
    const short = await api.request("PUT", `/api/teams/${teamId}/credentials/openai`, { apiKey: "x" });
    expectProblem(short, 422, "validation_failed");
    expect(short.body.errors).toEqual([expect.objectContaining({ path: "apiKey" })]);
    const badUrl = await api.request("PUT", `/api/teams/${teamId}/credentials/openai`, { apiKey: "sk-0123456789", baseUrl: "file:///etc/passwd" });
    expectProblem(badUrl, 422, "validation_failed");
    expect(badUrl.body.errors).toEqual([expect.objectContaining({ path: "baseUrl" })]);
  });
});

describe("a sandbox under the default models network", () => {
  it("reaches its model gateway on its own loopback, none of the host's services, and holds no key", async () => {
    await api.request("PUT", `/api/teams/${teamId}/credentials/anthropic`, { apiKey: TEAM_KEY });
    const session = await createDemoSession(api, teamId);
    expect(await say(session.id, "/connect 127.0.0.1 4100")).toContain("open");
    // The jail's loopback is its own: the host's PostgreSQL and the portal are not on it.
    expect(await say(session.id, "/connect 127.0.0.1 5432")).toMatch(/refused/);
    expect(await say(session.id, `/connect 127.0.0.1 ${new URL(api.baseUrl).port}`)).toMatch(/refused/);

    const settings = await say(session.id, "/cat /run/portal-gateway/gateway.env");
    expect(settings).toMatch(/PORTAL_GATEWAY_URL=http:\/\/127\.0\.0\.1:4100/);
    expect(settings).toMatch(/PORTAL_GATEWAY_TOKEN=portal-\S+/);
    for (const file of ["/proc/self/environ", "/proc/1/environ", "/run/portal-gateway/gateway.env"]) {
      const content = await say(session.id, `/cat ${file}`);
      expect(content).not.toContain(TEAM_KEY);
      expect(content).not.toContain(INSTANCE_KEY);
    }
    // The agent cannot change its gateway's settings or socket.
    expect(await say(session.id, "/write /run/portal-gateway/gateway.env PORTAL_GATEWAY_URL=http://evil")).toMatch(/failed \((EROFS|EACCES|EPERM)\)/);
  });
});

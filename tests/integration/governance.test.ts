import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { afterModelCall, budgetRefusal } from "@/lib/usage/budgets";
import { allEvents, openPortal, waitFor, waitForIdle, type Api, type PortalFixture } from "./harness";
import { expectKeysetPaging } from "./paging";
import { agentUpdates, createDemoSession, createMember, createTeam, expectProblem, portalEvents, sql, waitForPermission } from "./session-api-helpers";
import { signatureValid, webhookReceiver } from "./webhook-receiver";

// A team governs its agents (issue 20), against the real portal, PostgreSQL and runtime with the
// demo agent: approval policies answering the demo's /tool kinds, webhooks to a local receiver,
// read-only share links, and usage and budgets over model_calls rows written as the gateway writes them.

let fixture: PortalFixture;
let api: Api;
let teamId: string;
let userId: string;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  receiver = await webhookReceiver();
  // Loopback is allowed here (the receiver); fast retries so a retry is seen within the test.
  fixture = await openPortal({ env: { PORTAL_WEBHOOK_TARGETS: "loopback", PORTAL_WEBHOOK_RETRY_BASE_MS: "300" } });
  ({ api, teamId } = fixture);
  userId = (await api.get("/api/me")).user.id;
  // The budget functions run here, as the gateway will run them, on the portal's database.
  setDatabaseUrl(fixture.db.url);
});
afterAll(async () => {
  await disconnectDb();
  await receiver?.close();
  await fixture?.close();
});

/**
 * Prompts, then waits for the turn to end (a policy answered, or nothing asked) or for a request
 * that waits for a person. Either way the test fails by timeout if the other thing happens.
 */
async function runTool(sessionId: string, text: string, until: "ended" | "waiting" = "ended") {
  const before = (await allEvents(api, sessionId)).length;
  await api.post(`/api/sessions/${sessionId}/prompt`, { text });
  const settled = await waitFor(
    async () => ({ session: await api.get(`/api/sessions/${sessionId}`), events: (await allEvents(api, sessionId)).slice(before) }),
    ({ session, events }) => (until === "waiting" ? session.pendingPermissions.length > 0 : events.some((event) => event.payload?.type === "turn_ended")),
  );
  return { events: settled.events, pending: settled.session.pendingPermissions };
}

describe("approval policies", () => {
  const rules = [
    { id: "reads", kind: "read", action: "allow" },
    { id: "no-deletes", kind: "delete", action: "deny" },
    { id: "env-files", kind: "edit", pattern: "**/.env", action: "deny" },
    { id: "docs", pattern: "docs/**", action: "allow" },
  ];

  it("are read and replaced whole by admins, with an audit entry; bad rules are 422 naming the field", async () => {
    expect(await api.get(`/api/teams/${teamId}/policy`)).toEqual({ rules: [], updatedAt: null, updatedBy: null });
    const saved = await api.request("PUT", `/api/teams/${teamId}/policy`, { rules });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ rules, updatedBy: userId });
    expect(await api.get(`/api/teams/${teamId}/policy`)).toMatchObject({ rules });
    // A rule without an id gets one.
    const other = await createTeam(fixture.db.url, "Policy team");
    const otherAdmin = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: other, role: "admin" });
    const named = await otherAdmin.request("PUT", `/api/teams/${other}/policy`, { rules: [{ kind: "search", action: "allow" }] });
    expect(named.body.rules[0]).toEqual({ id: expect.stringMatching(/^rule_[0-9a-f]{8}$/), kind: "search", action: "allow" });

    const bad = async (body: unknown, path: string) => {
      const problem = expectProblem(await api.request("PUT", `/api/teams/${teamId}/policy`, body), 422, "validation_failed");
      expect(problem.errors?.map((error) => error.path)).toContain(path);
    };
    await bad({ rules: [{ action: "allow" }] }, "rules.0.kind");
    await bad({ rules: [{ kind: "browse", action: "allow" }] }, "rules.0.kind");
    await bad({ rules: [{ kind: "read", action: "maybe" }] }, "rules.0.action");
    await bad(
      {
        rules: [
          { id: "a", kind: "read", action: "allow" },
          { id: "a", kind: "edit", action: "ask" },
        ],
      },
      "rules.1.id",
    );

    const member = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId, role: "member" });
    expectProblem(await member.request("PUT", `/api/teams/${teamId}/policy`, { rules: [] }), 403, "role_too_low");
    // Another team's policy does not exist for this caller.
    expectProblem(await api.request("GET", `/api/teams/${other}/policy`), 404, "not_found");
    const audit = await api.get(`/api/teams/${teamId}/audit?action=policy.update`);
    expect(audit.items[0]).toMatchObject({ action: "policy.update", actorId: userId });
  });

  it("allow answers at once, recorded as permission_resolved by policy:<rule id>; the tool runs", async () => {
    const session = await createDemoSession(api, teamId, { title: "Policy allow" });
    const { events } = await runTool(session.id, "/tool read notes.md");
    const [requested] = portalEvents(events, "permission_requested");
    expect(requested.toolCall).toMatchObject({ title: "Read notes.md", kind: "read" });
    expect(portalEvents(events, "permission_resolved")).toEqual([
      { type: "permission_resolved", permissionId: requested.permissionId, reply: "once", by: "policy:reads" },
    ]);
    expect(agentUpdates(events, "tool_call_update").at(-1).status).toBe("completed");
    // The client's answer to the agent is in the history like a person's.
    expect(events.some((event) => event.sender === "client" && event.payload?.result?.outcome?.optionId === "allow-once")).toBe(true);
    const [row] = await sql(fixture.db.url, "SELECT status, reply, resolved_by FROM permissions WHERE id = $1", [requested.permissionId]);
    expect(row).toEqual({ status: "resolved", reply: "once", resolved_by: "policy:reads" });
    // Also by pattern alone, whatever the kind.
    const byPattern = await runTool(session.id, "/tool execute docs/build.sh");
    expect(portalEvents(byPattern.events, "permission_resolved")[0]).toMatchObject({ reply: "once", by: "policy:docs" });
  });

  it("deny refuses at once (by kind, and by pattern within a kind); the tool fails", async () => {
    const session = await createDemoSession(api, teamId, { title: "Policy deny" });
    const deleted = await runTool(session.id, "/tool delete notes.md");
    expect(portalEvents(deleted.events, "permission_resolved")[0]).toMatchObject({ reply: "reject", by: "policy:no-deletes" });
    expect(agentUpdates(deleted.events, "tool_call_update").at(-1).status).toBe("failed");
    const env = await runTool(session.id, "/tool edit config/.env");
    expect(portalEvents(env.events, "permission_resolved")[0]).toMatchObject({ reply: "reject", by: "policy:env-files" });
  });

  it("a kind no rule names, and an explicit ask, wait for a person", async () => {
    await api.request("PUT", `/api/teams/${teamId}/policy`, {
      rules: [...rules, { id: "ask-moves", kind: "move", action: "ask" }, { id: "all-moves", kind: "move", action: "allow" }],
    });
    const session = await createDemoSession(api, teamId, { title: "Policy ask" });
    for (const prompt of ["/tool edit demo.txt", "/tool execute make", "/tool move a.txt"]) {
      const { pending } = await runTool(session.id, prompt, "waiting");
      // Had a policy answered it meanwhile, this reply would be a 409.
      await api.post(`/api/sessions/${session.id}/permissions/${pending[0].id}`, { reply: "reject" });
      await waitForIdle(api, session.id);
      const resolved = portalEvents(await allEvents(api, session.id), "permission_resolved").filter((event) => event.permissionId === pending[0].id);
      expect(resolved, prompt).toEqual([{ type: "permission_resolved", permissionId: pending[0].id, reply: "reject", by: userId }]);
    }
  });
});

describe("webhooks", () => {
  let secret: string;
  let webhookId: string;

  it("are created by admins with a secret shown once; loopback, link-local and private targets follow the instance setting", async () => {
    const created = await api.request("POST", `/api/teams/${teamId}/webhooks`, { url: receiver.url("/turns"), events: ["turn.ended", "permission.waiting"] });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.body).toMatchObject({
      id: expect.any(String),
      url: receiver.url("/turns"),
      events: ["turn.ended", "permission.waiting"],
      format: "json",
      secret: expect.stringMatching(/^whsec_/),
    });
    ({ secret, id: webhookId } = created.body);
    const listed = await api.get(`/api/teams/${teamId}/webhooks`);
    expect(listed.items).toEqual([expect.objectContaining({ id: webhookId })]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(listed.nextCursor).toBeNull();

    for (const url of ["http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x", "http://192.168.0.10/"]) {
      const refused = expectProblem(await api.request("POST", `/api/teams/${teamId}/webhooks`, { url, events: ["turn.ended"] }), 422, "validation_failed");
      expect(refused.errors?.[0]?.path).toBe("url");
    }
    expectProblem(await api.request("POST", `/api/teams/${teamId}/webhooks`, { url: "ftp://example.com/", events: ["turn.ended"] }), 422);
    expectProblem(await api.request("POST", `/api/teams/${teamId}/webhooks`, { url: receiver.url(), events: ["turn.started"] }), 422);
    // An instance admin narrows the setting to public addresses: loopback is refused too, then allowed again.
    expect((await api.request("PUT", "/api/admin/settings", { webhookTargets: "public" })).body).toMatchObject({ webhookTargets: "public" });
    expectProblem(await api.request("POST", `/api/teams/${teamId}/webhooks`, { url: receiver.url(), events: ["turn.ended"] }), 422);
    await api.request("PUT", "/api/admin/settings", { webhookTargets: "loopback" });
    const viewer = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId, role: "viewer" });
    expectProblem(await viewer.request("GET", `/api/teams/${teamId}/webhooks`), 403);
  });

  it("are listed newest first and paged by keyset, and so is a webhook's delivery log", async () => {
    const team = (await api.post("/api/teams", { name: "Paged webhooks" })).id as string;
    const ids: string[] = [];
    for (const path of ["/one", "/two", "/three"])
      ids.push((await api.post(`/api/teams/${team}/webhooks`, { url: receiver.url(path), events: ["budget.reached"] })).id);
    const hooks = await expectKeysetPaging(api, `/api/teams/${team}/webhooks`, { atLeast: 3, newestFirst: "createdAt" });
    expect(hooks.map((hook) => hook.id)).toEqual([...ids].reverse());
    for (let i = 0; i < 3; i++) expect((await api.request("POST", `/api/teams/${team}/webhooks/${ids[0]}/test`)).status).toBe(200);
    await expectKeysetPaging(api, `/api/teams/${team}/webhooks/${ids[0]}/deliveries`, { atLeast: 3, newestFirst: "createdAt" });
  });

  it("deliver turn.ended signed with HMAC-SHA256 over timestamp and body, and permission.waiting when a person must answer", async () => {
    const session = await createDemoSession(api, teamId, { title: "Webhook turn" });
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "hello hooks" });
    await waitForIdle(api, session.id);
    const delivery = await waitFor(
      async () => receiver.received.filter((r) => r.path === "/turns" && r.json?.event === "turn.ended" && r.json?.session?.id === session.id),
      (found) => found.length > 0,
      15_000,
    );
    const request = delivery[0]!;
    expect(signatureValid(secret, request)).toBe(true);
    expect(signatureValid("whsec_wrong", request)).toBe(false);
    expect(Math.abs(Number(request.headers["x-portal-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    expect(request.headers["x-portal-event"]).toBe("turn.ended");
    expect(request.json).toMatchObject({
      id: request.headers["x-portal-delivery"],
      event: "turn.ended",
      team: { id: teamId },
      session: { id: session.id, title: "Webhook turn" },
      data: { stopReason: "end_turn" },
    });

    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool edit demo.txt" });
    const permission = await waitForPermission(api, session.id);
    const waiting = await waitFor(
      async () => receiver.received.filter((r) => r.json?.event === "permission.waiting" && r.json?.data?.permissionId === permission.id),
      (found) => found.length === 1,
      15_000,
    );
    expect(waiting[0]!.json.data.toolCall).toEqual({ title: "Edit demo.txt", kind: "edit" });
    await api.post(`/api/sessions/${session.id}/permissions/${permission.id}`, { reply: "reject" });
    await waitForIdle(api, session.id);
  });

  it("retry a failed delivery with backoff (a 500, then a 200) and keep a delivery log with the response codes", async () => {
    const retrying = await api.post(`/api/teams/${teamId}/webhooks`, { url: receiver.url("/retry"), events: ["turn.ended"] });
    receiver.answerNext("/retry", 500);
    const session = await createDemoSession(api, teamId, { title: "Webhook retry" });
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "retry me" });
    const attempts = await waitFor(
      async () => receiver.received.filter((r) => r.path === "/retry" && r.json?.session?.id === session.id),
      (found) => found.length === 2,
      20_000,
    );
    // The same delivery, retried: the same id and body, a fresh signature.
    expect(attempts[0]!.headers["x-portal-delivery"]).toBe(attempts[1]!.headers["x-portal-delivery"]);
    expect(attempts[1]!.json).toEqual(attempts[0]!.json);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(250);
    expect(signatureValid(retrying.secret, attempts[1]!)).toBe(true);
    const log = await waitFor(
      () => api.get(`/api/teams/${teamId}/webhooks/${retrying.id}/deliveries?limit=50`),
      (page) => page.items.some((d: any) => d.id === attempts[0]!.headers["x-portal-delivery"] && d.status === "delivered"),
    );
    const entry = log.items.find((d: any) => d.id === attempts[0]!.headers["x-portal-delivery"]);
    expect(entry).toMatchObject({ event: "turn.ended", status: "delivered", attempts: 2, lastStatus: 200, nextAttemptAt: null });
    expect(entry.log.map((attempt: any) => attempt.status)).toEqual([500, 200]);
    // Another team's webhook is not there for this caller.
    expectProblem(await api.request("GET", `/api/teams/${teamId}/webhooks/${randomUUID()}/deliveries`), 404);
  });

  it("send a test at once, in the Slack-compatible body when chosen; a deleted webhook gets nothing more", async () => {
    const created = await api.post(`/api/teams/${teamId}/webhooks`, { url: receiver.url("/slack"), events: ["session.failed"], format: "slack" });
    const tested = await api.request("POST", `/api/teams/${teamId}/webhooks/${created.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ event: "webhook.test", status: "delivered", attempts: 1, lastStatus: 200 });
    const slack = receiver.received.filter((r) => r.path === "/slack");
    expect(slack).toHaveLength(1);
    expect(slack[0]!.json).toEqual({ text: expect.stringContaining("Test message from Agent Portal") });
    expect(signatureValid(created.secret, slack[0]!)).toBe(true);

    expect((await api.request("DELETE", `/api/teams/${teamId}/webhooks/${created.id}`)).status).toBe(204);
    expectProblem(await api.request("POST", `/api/teams/${teamId}/webhooks/${created.id}/test`), 404);
    expectProblem(await api.request("DELETE", `/api/teams/${teamId}/webhooks/${created.id}`), 404);
  });
});

describe("share links", () => {
  let sessionId: string;

  async function readStream(url: string, until: (frames: string) => boolean, timeoutMs = 15_000) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let text = "";
    try {
      const response = await fetch(url, { signal: controller.signal });
      if (response.status !== 200) return { status: response.status, text };
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { status: 200, text, ended: true };
        text += decoder.decode(value, { stream: true });
        if (until(text)) return { status: 200, text, ended: false };
      }
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  it("show one session, history and live, with the secrets the portal knows redacted; every open is counted", async () => {
    const member = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId, role: "member" });
    const session = await createDemoSession(member, teamId, { title: "Shared session" });
    sessionId = session.id;
    const other = await createDemoSession(member, teamId, { title: "Not shared" });
    // A webhook secret and a personal token in the conversation (the demo agent echoes them).
    const hook = await api.post(`/api/teams/${teamId}/webhooks`, { url: receiver.url("/unused"), events: ["budget.reached"] });
    await member.post(`/api/sessions/${session.id}/prompt`, { text: `the keys are ${hook.secret} and ${member.token}` });
    await waitForIdle(member, session.id);

    const created = await member.request("POST", `/api/sessions/${session.id}/shares`, { expiresInDays: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), url: expect.stringMatching(/\/share\/shr_[A-Za-z0-9_-]+$/), active: true, openCount: 0 });
    const token = created.body.url.split("/share/")[1] as string;
    expect(new Date(created.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(2.9 * 24 * 3600 * 1000);
    const [stored] = await sql(fixture.db.url, "SELECT token_hash FROM share_links WHERE id = $1", [created.body.id]);
    expect(stored!.token_hash).not.toContain(token);

    const shared = await fetch(`${fixture.portal.baseUrl}/api/share/${token}/events?limit=500`).then((r) => r.json());
    const text = JSON.stringify(shared.items);
    expect(shared.items.length).toBe((await allEvents(member, session.id)).length);
    expect(text).not.toContain(hook.secret);
    expect(text).not.toContain(member.token);
    expect(text).toContain("[redacted]");
    // The team sees its own history as it is.
    expect(JSON.stringify(await allEvents(member, session.id))).toContain(member.token);

    // Live: a new turn reaches an open shared stream.
    const live = readStream(`${fixture.portal.baseUrl}/api/share/${token}/stream`, (frames) => frames.includes("shared live turn"));
    await member.post(`/api/sessions/${session.id}/prompt`, { text: "shared live turn" });
    expect((await live).text).toContain("shared live turn");

    // The page counts each open; the link opens nothing else.
    const page = await fetch(`${fixture.portal.baseUrl}/share/${token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Shared session");
    expect(html).not.toContain("Not shared");
    await fetch(`${fixture.portal.baseUrl}/share/${token}`).then((r) => r.text());
    const listed = await member.get(`/api/sessions/${session.id}/shares`);
    expect(listed.items[0]).toMatchObject({ id: created.body.id, openCount: 2, active: true });
    expect((await api.get(`/api/teams/${teamId}/shares`)).items.map((s: any) => s.sessionTitle)).toContain("Shared session");
    // Both lists page by keyset, newest first: two more links, then one revoked (the team's list shows working links only).
    const more = [
      await member.post(`/api/sessions/${session.id}/shares`, { expiresInDays: 1 }),
      await member.post(`/api/sessions/${session.id}/shares`, { expiresInDays: 2 }),
    ];
    const sessionShares = await expectKeysetPaging(member, `/api/sessions/${session.id}/shares`, { atLeast: 3, newestFirst: "createdAt" });
    expect(sessionShares.map((share) => share.id)).toEqual([more[1].id, more[0].id, created.body.id]);
    expect((await member.request("DELETE", `/api/sessions/${session.id}/shares/${more[0].id}`)).status).toBe(204);
    const teamShares = await expectKeysetPaging(api, `/api/teams/${teamId}/shares`, { atLeast: 2, newestFirst: "createdAt" });
    expect(teamShares.map((share) => share.id)).toEqual(expect.arrayContaining([more[1].id, created.body.id]));
    expect(teamShares.map((share) => share.id)).not.toContain(more[0].id);
    // The token is no key to anything else.
    expect((await fetch(`${fixture.portal.baseUrl}/api/sessions/${other.id}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${fixture.portal.baseUrl}/api/sessions/${session.id}/events`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${fixture.portal.baseUrl}/share/shr_${"x".repeat(32)}`)).status).toBe(404);
    const viewer = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId, role: "viewer" });
    expectProblem(await viewer.request("POST", `/api/sessions/${session.id}/shares`, { expiresInDays: 1 }), 403);
    expectProblem(await member.request("POST", `/api/sessions/${session.id}/shares`, { expiresInDays: 365 }), 422);

    // Revocation ends an open stream at once and the link is a 404 from then on.
    const open = readStream(`${fixture.portal.baseUrl}/api/share/${token}/stream`, (frames) => frames.includes("event: revoked"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const revokedAt = Date.now();
    expect((await member.request("DELETE", `/api/sessions/${session.id}/shares/${created.body.id}`)).status).toBe(204);
    const ended = await open;
    expect(ended.text).toContain("event: revoked");
    expect(Date.now() - revokedAt).toBeLessThan(3_000);
    expect((await fetch(`${fixture.portal.baseUrl}/api/share/${token}/events`)).status).toBe(404);
    expect((await fetch(`${fixture.portal.baseUrl}/share/${token}`)).status).toBe(404);
    expectProblem(await member.request("DELETE", `/api/sessions/${session.id}/shares/${created.body.id}`), 404);
    const audit = await api.get(`/api/teams/${teamId}/audit?limit=100`);
    expect(audit.items.map((entry: any) => entry.action)).toEqual(expect.arrayContaining(["share.create", "share.revoke"]));
  });

  it("expire: an expired link is a 404", async () => {
    const created = await api.post(`/api/sessions/${sessionId}/shares`, { expiresInDays: 1 });
    const token = created.url.split("/share/")[1];
    expect((await fetch(`${fixture.portal.baseUrl}/api/share/${token}/events`)).status).toBe(200);
    await sql(fixture.db.url, "UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $1", [created.id]);
    expect((await fetch(`${fixture.portal.baseUrl}/api/share/${token}/events`)).status).toBe(404);
    expect((await fetch(`${fixture.portal.baseUrl}/api/share/${token}/stream`)).status).toBe(404);
  });
});

describe("usage and budgets", () => {
  let sessionId: string;
  let otherTeam: string;

  /** One row per model call, as the gateway records it. */
  async function call(row: {
    teamId: string;
    sessionId?: string | null;
    userId?: string | null;
    model: string;
    input: number;
    output: number;
    cost: number | null;
    at?: string;
  }) {
    await sql(
      fixture.db.url,
      `INSERT INTO model_calls (id, team_id, session_id, user_id, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, status, duration_ms, cost_usd, at)
       VALUES ($1, $2, $3, $4, 'anthropic', $5, $6, $7, 10, 5, 200, 900, $8, COALESCE($9::timestamptz, now()))`,
      [randomUUID(), row.teamId, row.sessionId ?? null, row.userId ?? null, row.model, row.input, row.output, row.cost, row.at ?? null],
    );
  }

  it("are reported per day, member, session and model, as JSON and CSV, and in the session's details", async () => {
    sessionId = (await createDemoSession(api, teamId, { title: "Costly, session" })).id;
    otherTeam = await createTeam(fixture.db.url, "Unaffected team");
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 10);
    await call({ teamId, sessionId, userId, model: "claude-sonnet", input: 1000, output: 200, cost: 0.5 });
    await call({ teamId, sessionId, userId, model: "claude-sonnet", input: 500, output: 100, cost: 0.25 });
    await call({ teamId, sessionId, userId, model: "gpt-x", input: 10, output: 1, cost: null, at: `${yesterday}T12:00:00Z` });
    await call({ teamId: otherTeam, model: "claude-sonnet", input: 99, output: 9, cost: 9 });

    const byModel = await api.get(`/api/teams/${teamId}/usage?groupBy=model&from=${yesterday}&to=${today}`);
    expect(byModel.items).toEqual([
      {
        key: "claude-sonnet",
        label: "claude-sonnet",
        calls: 2,
        inputTokens: 1500,
        outputTokens: 300,
        cacheReadTokens: 20,
        cacheWriteTokens: 10,
        costUsd: 0.75,
      },
      { key: "gpt-x", label: "gpt-x", calls: 1, inputTokens: 10, outputTokens: 1, cacheReadTokens: 10, cacheWriteTokens: 5, costUsd: null },
    ]);
    expect(byModel.total).toEqual({ calls: 3, inputTokens: 1510, outputTokens: 301, cacheReadTokens: 30, cacheWriteTokens: 15, costUsd: 0.75 });
    const byDay = await api.get(`/api/teams/${teamId}/usage?groupBy=day&from=${yesterday}&to=${today}`);
    expect(byDay.items.map((item: any) => [item.key, item.calls])).toEqual([
      [yesterday, 1],
      [today, 2],
    ]);
    const byUser = await api.get(`/api/teams/${teamId}/usage?groupBy=user&from=${yesterday}&to=${today}`);
    expect(byUser.items).toEqual([expect.objectContaining({ key: userId, calls: 3, costUsd: 0.75 })]);
    const bySession = await api.get(`/api/teams/${teamId}/usage?groupBy=session&from=${yesterday}&to=${today}`);
    expect(bySession.items).toEqual([expect.objectContaining({ key: sessionId, label: "Costly, session", calls: 3 })]);
    // Only yesterday: one call.
    expect((await api.get(`/api/teams/${teamId}/usage?from=${yesterday}&to=${yesterday}`)).total.calls).toBe(1);

    const csv = await fetch(`${fixture.portal.baseUrl}/api/teams/${teamId}/usage?groupBy=session&from=${yesterday}&to=${today}&format=csv`, {
      headers: { authorization: `Bearer ${api.token}` },
    });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expect(await csv.text()).toBe(
      `session,label,calls,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd\r\n${sessionId},"Costly, session",3,1510,301,30,15,0.75\r\n`,
    );

    expect((await api.get(`/api/sessions/${sessionId}`)).usage).toMatchObject({ calls: 3, inputTokens: 1510, outputTokens: 301, costUsd: 0.75 });
    expectProblem(await api.request("GET", `/api/teams/${teamId}/usage?groupBy=week`), 422);
    expectProblem(await api.request("GET", `/api/teams/${teamId}/usage?from=${today}&to=${yesterday}`), 422);
    expectProblem(await api.request("GET", `/api/teams/${teamId}/usage?from=2026-13-01`), 422);
    expectProblem(await api.request("GET", `/api/teams/${otherTeam}/usage`), 404);
  });

  it("warn at 80 % and refuse at 100 % of the team's or a member's monthly budget, with webhooks once each; another team is unaffected", async () => {
    const hook = await api.post(`/api/teams/${teamId}/webhooks`, { url: receiver.url("/budget"), events: ["budget.warning", "budget.reached"] });
    const budget = await api.request("PUT", `/api/teams/${teamId}/budget`, { monthlyUsd: 1.5, memberMonthlyUsd: 1.4 });
    expect(budget.status).toBe(200);
    expect(budget.body).toMatchObject({ monthlyUsd: 1.5, memberMonthlyUsd: 1.4, month: { spentUsd: 0.75 }, alert: null });
    expectProblem(await api.request("PUT", `/api/teams/${teamId}/budget`, { monthlyUsd: -1 }), 422);
    const member = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId, role: "member" });
    expectProblem(await member.request("GET", `/api/teams/${teamId}/budget`), 403);

    expect(await budgetRefusal({ teamId, userId })).toBeNull();
    // 1.2 spent: exactly 80 % of the team's 1.5, and 86 % of the member's 1.4.
    await call({ teamId, sessionId, userId, model: "claude-sonnet", input: 1, output: 1, cost: 0.45 });
    await afterModelCall({ teamId, userId });
    await afterModelCall({ teamId, userId });
    const warnings = await waitFor(
      async () => receiver.received.filter((r) => r.path === "/budget"),
      (found) => found.length === 2,
      15_000,
    );
    expect(warnings.map((r) => [r.json.event, r.json.data.scope]).sort()).toEqual([
      ["budget.warning", "member"],
      ["budget.warning", "team"],
    ]);
    expect(signatureValid(hook.secret, warnings[0]!)).toBe(true);
    expect((await api.get(`/api/teams/${teamId}/budget`)).alert).toMatchObject({ level: "warning" });

    // 100 %: the next call is refused, for the team, saying so; the other team goes on.
    await call({ teamId, sessionId, userId, model: "claude-sonnet", input: 1, output: 1, cost: 0.8 });
    await afterModelCall({ teamId, userId });
    expect(await budgetRefusal({ teamId, userId })).toEqual({ scope: "team", message: expect.stringMatching(/^Budget of Default reached/) });
    expect(await budgetRefusal({ teamId: otherTeam, userId: null })).toBeNull();
    const reached = await waitFor(
      async () => receiver.received.filter((r) => r.path === "/budget" && r.json.event === "budget.reached"),
      (found) => found.length === 2,
      15_000,
    );
    expect(reached.map((r) => r.json.data.scope).sort()).toEqual(["member", "team"]);
    // Once per month and scope, however many calls follow.
    await afterModelCall({ teamId, userId });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.received.filter((r) => r.path === "/budget")).toHaveLength(4);
    // A higher team budget: the member's own budget still refuses them.
    await api.request("PUT", `/api/teams/${teamId}/budget`, { monthlyUsd: 100, memberMonthlyUsd: 1.4 });
    expect(await budgetRefusal({ teamId, userId })).toEqual({ scope: "member", message: expect.stringContaining("budget") });
    expect(await budgetRefusal({ teamId, userId: member.userId })).toBeNull();
  });
});

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allEvents,
  killSessionRuntime,
  sessionRuntime,
  apiFor,
  startPortal,
  waitFor,
  waitForIdle,
  openPortal,
  type Api,
  type Portal,
  type PortalFixture,
  type TestDatabase,
} from "./harness";
import {
  agentUpdates,
  createDemoSession,
  createMember,
  createTeam,
  expectProblem,
  portalEvents,
  sql,
  waitForEvent,
  waitForPermission,
} from "./session-api-helpers";

// Permissions (the demo's /tool asks with allow_once / allow_always / reject_once) and cancel
// (/sleep), against the real runtime; the runtime and the portal going away with a request pending.

let fixture: PortalFixture;
let db: TestDatabase;
let portal: Portal;
let api: Api;
let teamId: string;
let userId: string;

beforeAll(async () => {
  fixture = await openPortal();
  ({ db, portal, api, teamId } = fixture);
  userId = (await api.get("/api/me")).user.id;
});
afterAll(() => fixture?.close());

/** The tool call's outcome as the agent reports it. */
function toolOutcome(events: Array<{ payload: any }>) {
  return agentUpdates(events, "tool_call_update").at(-1)?.status;
}

/** Runs /tool once more and says whether the agent asked again (it does unless "always" was chosen). */
async function asksAgain(sessionId: string) {
  const before = (await allEvents(api, sessionId)).length;
  await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/tool" });
  const asked = await waitFor(
    async () => ({ session: await api.get(`/api/sessions/${sessionId}`), events: (await allEvents(api, sessionId)).filter((event) => event.index > before) }),
    ({ session, events }) => session.pendingPermissions.length > 0 || events.some((event) => event.payload?.type === "turn_ended"),
  );
  for (const permission of asked.session.pendingPermissions) await api.post(`/api/sessions/${sessionId}/permissions/${permission.id}`, { reply: "reject" });
  await waitForIdle(api, sessionId);
  const events = (await allEvents(api, sessionId)).filter((event) => event.index > before);
  return { asked: events.some((event) => event.payload?.method === "session/request_permission"), events };
}

/** Reads the SSE stream from the start until an event matches; fails after the timeout. */
async function streamUntil(sessionId: string, predicate: (event: any) => boolean, timeoutMs = 15_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(`${portal.baseUrl}/api/sessions/${sessionId}/stream`, {
      headers: { authorization: `Bearer ${api.token}` },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error("stream ended");
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf("\n\n");
      while (cut !== -1) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf("\n\n");
        const data = frame.split("\n").find((line) => line.startsWith("data: "));
        if (!data) continue;
        const event = JSON.parse(data.slice(6));
        if (predicate(event)) return event;
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe("permissions", () => {
  it("stores every request as pending: in GET, in the session JSON and on the stream, until answered", async () => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, session.id);
    expect(pending).toEqual({
      id: expect.any(String),
      createdAt: expect.stringMatching(/Z$/),
      toolCall: {
        title: "Edit demo.txt",
        kind: "edit",
        toolCallId: expect.any(String),
        rawInput: { path: "demo.txt", content: "Hello from the demo agent\n" },
      },
      options: [
        { optionId: "allow-once", name: "Allow once", kind: "allow_once" },
        { optionId: "allow-always", name: "Always allow", kind: "allow_always" },
        { optionId: "reject-once", name: "Reject", kind: "reject_once" },
      ],
    });
    const listed = await api.get(`/api/sessions/${session.id}/permissions`);
    expect(listed.items).toEqual([pending]);
    const streamed = await streamUntil(session.id, (event) => event.payload?.type === "permission_requested");
    expect(streamed).toMatchObject({ sender: "portal", payload: { permissionId: pending.id, toolCall: pending.toolCall, options: pending.options } });
    const inList = (await api.get(`/api/sessions?teamId=${teamId}`)).items.find((item: any) => item.id === session.id);
    expect(inList.pendingPermissions).toEqual([pending]);
    expect((await api.get(`/api/sessions/${session.id}`)).status).toBe("awaiting_input");

    const answered = await api.request("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "once" });
    expect(answered.status).toBe(200);
    const done = await waitForIdle(api, session.id);
    expect(done.pendingPermissions).toEqual([]);
    expect((await api.get(`/api/sessions/${session.id}/permissions`)).items).toEqual([]);
  });

  it.each([
    ["once", "completed"],
    ["reject", "failed"],
  ] as const)("maps %s to the option of its kind, records who answered, and a second answer is a 409", async (reply, toolStatus) => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, session.id);
    const answered = await api.request("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply });
    expect(answered.status).toBe(200);
    const done = await waitForIdle(api, session.id);
    expect(done.lastStopReason).toBe("end_turn");

    const events = await allEvents(api, session.id);
    expect(toolOutcome(events)).toBe(toolStatus);
    expect(portalEvents(events, "permission_resolved")).toEqual([{ type: "permission_resolved", permissionId: pending.id, reply, by: userId }]);
    const [row] = await sql(db.url, "SELECT status, reply, resolved_by FROM permissions WHERE id = $1", [pending.id]);
    expect(row).toEqual({ status: "resolved", reply, resolved_by: userId });

    const again = expectProblem(await api.request("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "once" }), 409);
    expect(again.detail).toContain("already answered");
    // Neither once nor reject is remembered: the agent asks again (so it was not given allow_always).
    expect((await asksAgain(session.id)).asked).toBe(true);
  });

  it("stores the client's answer as a client event right after its request, in its own session only, when two sandboxes' requests share a JSON-RPC id", async () => {
    // Two teams, each session in a sandbox of its own: two runtimes, two agent processes, each
    // numbering its requests from the start, so both permission requests carry the same id.
    const otherTeam = await createTeam(db.url, "Second team");
    const other = await createMember(portal.baseUrl, db.url, { teamId: otherTeam, role: "member" });
    const sessions = [
      { client: api, session: await createDemoSession(api, teamId), reply: "once" as const, kind: "allow_once", outcome: "completed" },
      { client: other as Api, session: await createDemoSession(other, otherTeam), reply: "reject" as const, kind: "reject_once", outcome: "failed" },
    ];
    expect(sessions[0]!.session.sandboxId).not.toBe(sessions[1]!.session.sandboxId);
    for (const { client, session } of sessions) await client.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const requestOf = (events: Array<{ index: number; sender: string; payload: any }>) =>
      events.find((event) => event.sender === "agent" && event.payload?.method === "session/request_permission")!;
    const pending = await Promise.all(sessions.map(({ client, session }) => waitForPermission(client, session.id)));
    const requestIds = await Promise.all(sessions.map(async ({ client, session }) => requestOf(await allEvents(client, session.id)).payload.id));
    expect(requestIds[0]).toBeDefined();
    expect(requestIds[1]).toEqual(requestIds[0]);

    // Answered one after the other, the second sandbox first, with different options.
    for (const index of [1, 0]) {
      const { client, session, reply } = sessions[index]!;
      expect((await client.request("POST", `/api/sessions/${session.id}/permissions/${pending[index]!.id}`, { reply })).status).toBe(200);
      await waitForIdle(client, session.id);
    }
    for (const [index, { client, session, kind, outcome }] of sessions.entries()) {
      const events = await allEvents(client, session.id);
      const request = requestOf(events);
      const answers = events.filter(
        (event) =>
          event.sender === "client" && event.payload?.id !== undefined && event.payload?.method === undefined && event.payload?.id === request.payload.id,
      );
      expect(answers, `session ${index}`).toHaveLength(1);
      const answer = answers[0]!;
      const chosen = pending[index]!.options.find((option) => option.kind === kind)!;
      expect(answer.payload).toEqual({ jsonrpc: "2.0", id: request.payload.id, result: { outcome: { outcome: "selected", optionId: chosen.optionId } } });
      // Right after its request: only the portal's own bookkeeping between them, and before what the agent did with it.
      const between = events.filter((event) => event.index > request.index && event.index < answer.index);
      expect(
        between.every((event) => event.sender === "portal"),
        JSON.stringify(between),
      ).toBe(true);
      const update = events.find((event) => event.index > request.index && event.payload?.params?.update?.sessionUpdate === "tool_call_update");
      expect(update!.index).toBeGreaterThan(answer.index);
      expect(update!.payload.params.update.status).toBe(outcome);
    }
  });

  it("maps always to allow_always, and the agent remembers it: the next /tool asks no more", async () => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, session.id);
    await api.post(`/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "always" });
    await waitForIdle(api, session.id);
    expect(toolOutcome(await allEvents(api, session.id))).toBe("completed");

    const second = await asksAgain(session.id);
    expect(second.asked).toBe(false);
    expect(portalEvents(second.events, "permission_requested")).toEqual([]);
    expect(toolOutcome(second.events)).toBe("completed");
    const rows = await sql(db.url, "SELECT status, reply FROM permissions WHERE session_id = $1", [session.id]);
    expect(rows).toEqual([{ status: "resolved", reply: "always" }]);
  });

  it("answers 404 for an unknown permission id or one of another session", async () => {
    const session = await createDemoSession(api, teamId);
    const other = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${other.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, other.id);
    expectProblem(await api.request("POST", `/api/sessions/${session.id}/permissions/no-such-permission`, { reply: "once" }), 404);
    expectProblem(await api.request("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "once" }), 404);
    const badReply = expectProblem(await api.request("POST", `/api/sessions/${other.id}/permissions/${pending.id}`, { reply: "sometimes" }), 422);
    expect(badReply.errors?.[0]?.path).toBe("reply");
    expect((await api.get(`/api/sessions/${other.id}/permissions`)).items).toHaveLength(1);
    await api.post(`/api/sessions/${other.id}/permissions/${pending.id}`, { reply: "reject" });
    await waitForIdle(api, other.id);
  });

  // What keeps an unanswered request alive for as long as a person takes is the runtime's ACP request
  // timeout, raised to a week (lib/sandboxes/environment.ts): that is what is checked here. A few
  // seconds' wait and then "still pending", as this test once did, proved nothing about that timeout.
  it("runs the runtime with its ACP request timeout raised, so a request waits as awaiting_input until answered", async () => {
    const session = await createDemoSession(api, teamId);
    const runtime = await sessionRuntime(api, session.id);
    const environ = readFileSync(`/proc/${runtime.pid}/environ`, "utf8").split("\0");
    const timeout = environ.find((entry) => entry.startsWith("SANDBOX_AGENT_ACP_REQUEST_TIMEOUT_MS="));
    expect(Number(timeout?.split("=")[1])).toBeGreaterThanOrEqual(24 * 3600 * 1000);

    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, session.id);
    const still = await api.get(`/api/sessions/${session.id}`);
    // A running turn that waits on an answer is shown as awaiting_input.
    expect(still).toMatchObject({ status: "awaiting_input", pendingPermissions: [pending] });
    expect((await api.request("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "once" })).status).toBe(200);
    expect((await waitForIdle(api, session.id)).lastStopReason).toBe("end_turn");
  });
});

describe("cancel", () => {
  it("ends the running turn with stop reason cancelled; cancel when idle is a 409", async () => {
    const session = await createDemoSession(api, teamId);
    expectProblem(await api.request("POST", `/api/sessions/${session.id}/cancel`), 409);
    const { turnId } = await api.post(`/api/sessions/${session.id}/prompt`, { text: "/sleep 60000" });
    await waitForEvent(api, session.id, (event) => event.payload?.method === "session/prompt");
    const cancelled = await api.request("POST", `/api/sessions/${session.id}/cancel`);
    expect(cancelled.status).toBe(202);
    const done = await waitForIdle(api, session.id, 20_000);
    expect(done.lastStopReason).toBe("cancelled");
    const events = await allEvents(api, session.id);
    expect(portalEvents(events, "turn_ended")).toEqual([{ type: "turn_ended", turnId, stopReason: "cancelled" }]);
    const prompt = events.find((event) => event.payload?.method === "session/prompt")!;
    const answer = events.find((event) => event.sender === "agent" && event.payload?.id === prompt.payload.id && event.payload?.result);
    expect(answer?.payload.result).toEqual({ stopReason: "cancelled" });
    expectProblem(await api.request("POST", `/api/sessions/${session.id}/cancel`), 409);

    // The session works on afterwards.
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "still here" });
    expect((await waitForIdle(api, session.id)).lastStopReason).toBe("end_turn");
  });

  it("ends the turn itself when a stuck agent does not answer the cancel", async () => {
    const session = await createDemoSession(api, teamId);
    const { turnId } = await api.post(`/api/sessions/${session.id}/prompt`, { text: "/hang 120000" });
    await waitForEvent(api, session.id, (event) => event.payload?.method === "session/prompt");
    expect((await api.request("POST", `/api/sessions/${session.id}/cancel`)).status).toBe(202);
    const done = await waitForIdle(api, session.id, 40_000);
    expect(done.lastStopReason).toBe("cancelled");
    expect(portalEvents(await allEvents(api, session.id), "turn_ended")).toEqual([{ type: "turn_ended", turnId, stopReason: "cancelled" }]);
  }, 60_000);

  it("cancels a turn whose prompt was sent a moment ago", async () => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/sleep 60000" });
    expect((await api.request("POST", `/api/sessions/${session.id}/cancel`)).status).toBe(202);
    expect((await waitForIdle(api, session.id, 20_000)).lastStopReason).toBe("cancelled");
  });

  it("resolves the turn's pending permissions as cancelled", async () => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, session.id);
    expect((await api.request("POST", `/api/sessions/${session.id}/cancel`)).status).toBe(202);
    const done = await waitForIdle(api, session.id, 20_000);
    expect(done).toMatchObject({ lastStopReason: "cancelled", pendingPermissions: [] });
    const events = await allEvents(api, session.id);
    expect(portalEvents(events, "permission_resolved")).toEqual([{ type: "permission_resolved", permissionId: pending.id, reply: "cancelled", by: userId }]);
    const update = agentUpdates(events, "tool_call_update").at(-1);
    expect(update).toMatchObject({ status: "failed" });
    expect(update.content[0].content.text).toContain("Permission request was cancelled");
    const [row] = await sql(db.url, "SELECT status, resolved_by FROM permissions WHERE id = $1", [pending.id]);
    expect(row).toEqual({ status: "cancelled", resolved_by: userId });
    expectProblem(await api.request("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "once" }), 409);
  });
});

describe("a pending request when things go away", () => {
  it("expires when the runtime dies, and a late answer is a 409", async () => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, session.id);
    const killing = killSessionRuntime(api, session.id);

    // The status flips first; the events that explain it (turn ended as interrupted) follow.
    const lost = await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable" && s.lastStopReason !== null,
    );
    expect(lost).toMatchObject({ pendingPermissions: [], lastStopReason: "interrupted" });
    expect((await api.get(`/api/sessions/${session.id}/permissions`)).items).toEqual([]);
    const events = await allEvents(api, session.id);
    expect(portalEvents(events, "permission_resolved")).toEqual([{ type: "permission_resolved", permissionId: pending.id, reply: "expired", by: null }]);
    const [row] = await sql(db.url, "SELECT status FROM permissions WHERE id = $1", [pending.id]);
    expect(row).toEqual({ status: "expired" });
    expectProblem(await api.request("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "once" }), 409);
    await killing;
  });

  it("expires when the portal dies, once a portal starts again", async () => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, session.id);
    await portal.kill();
    portal = fixture.portal = await startPortal({ databaseUrl: db.url, dataDir: portal.dataDir });
    api = await apiFor(portal.baseUrl);

    const after = await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
    );
    expect(after.pendingPermissions).toEqual([]);
    const events = await waitForEvent(api, session.id, (event) => event.payload?.type === "permission_resolved");
    expect(portalEvents(events, "permission_resolved")).toEqual([{ type: "permission_resolved", permissionId: pending.id, reply: "expired", by: null }]);
    expectProblem(await api.request("POST", `/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "once" }), 409);
  });
});

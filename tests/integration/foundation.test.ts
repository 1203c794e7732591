import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, killSessionRuntime, sessionRuntime, waitFor, waitForIdle, openPortal, type Api, type PortalFixture } from "./harness";

// The walking skeleton end to end: real PostgreSQL, real `next start`, real runtime, demo agent.

let fixture: PortalFixture;
let api: Api;
let teamId: string;

beforeAll(async () => {
  fixture = await openPortal();
  ({ api, teamId } = fixture);
});
afterAll(() => fixture?.close());

function updatesOf(events: Array<{ payload: any }>) {
  return events.map((event) => event.payload?.params?.update?.sessionUpdate).filter(Boolean);
}

describe("foundation", () => {
  it("creates a demo session, runs a prompt and mirrors every event with dense indexes", async () => {
    const created = await api.request("POST", "/api/sessions", { teamId, agent: "demo", title: "Skeleton" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: "Skeleton", agent: "demo", status: "idle", mode: "ask", model: "demo-small" });
    const sessionId = created.body.id;

    const prompt = await api.request("POST", `/api/sessions/${sessionId}/prompt`, { text: "hello streaming world" });
    expect(prompt.status).toBe(202);
    expect(prompt.body.turnId).toMatch(/[0-9a-f-]{36}/);
    const done = await waitForIdle(api, sessionId);
    expect(done.lastStopReason).toBe("end_turn");
    expect(done.usage).toMatchObject({ used: expect.any(Number), size: expect.any(Number) });

    const events = await allEvents(api, sessionId);
    expect(events.map((event) => event.index)).toEqual(events.map((_, i) => i + 1));
    expect(done.eventCount).toBe(events.length);
    const updates = updatesOf(events);
    expect(updates).toContain("agent_thought_chunk");
    expect(updates).toContain("usage_update");
    const text = events
      .filter((event) => event.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
      .map((event) => event.payload.params.update.content.text)
      .join("");
    expect(text).toBe("hello streaming world");
    const prompts = events.filter((event) => event.sender === "client" && event.payload?.method === "session/prompt");
    expect(prompts).toHaveLength(1);
    const last = events.at(-1)!;
    expect(last.sender).toBe("portal");
    expect(last.payload).toMatchObject({ type: "turn_ended", turnId: prompt.body.turnId, stopReason: "end_turn" });
  });

  it("keeps history when the runtime dies, and the restored agent remembers the first prompt", async () => {
    const { body: session } = await api.request("POST", "/api/sessions", { teamId, agent: "demo" });
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "remember the violet lighthouse" });
    await waitForIdle(api, session.id);
    const before = await allEvents(api, session.id);

    expect(await sessionRuntime(api, session.id)).toMatchObject({ mode: "embedded", status: "ok", pid: expect.any(Number) });
    const runtime = await killSessionRuntime(api, session.id);
    await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
    );
    expect((await sessionRuntime(api, session.id)).restarts).toBe(runtime.restarts + 1);

    const after = await allEvents(api, session.id);
    expect(after.slice(0, before.length)).toEqual(before);

    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/recall" });
    await waitForIdle(api, session.id);
    const events = await allEvents(api, session.id);
    expect(events.map((event) => event.index)).toEqual(events.map((_, i) => i + 1));
    expect(events.some((event) => event.payload?.type === "restored")).toBe(true);
    const reply = events
      .filter((event) => event.index > after.length && event.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
      .map((event) => event.payload.params.update.content.text)
      .join("");
    expect(reply).toContain("remember the violet lighthouse");
  });
});

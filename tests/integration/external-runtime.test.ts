import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObservedFetch } from "@/lib/runtime/observed-fetch";
import {
  allEvents,
  apiFor,
  createTestDatabase,
  defaultTeamId,
  externalRuntime,
  removeDir,
  startPortal,
  waitFor,
  waitForIdle,
  type Api,
  type ExternalRuntime,
  type Portal,
} from "./harness";

// SANDBOX_AGENT_URL/TOKEN: the portal uses a runtime it does not own. When that runtime restarts
// with an empty state, its sessions become restorable and come back with their history.

let runtime: ExternalRuntime;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let portal: Portal;
let api: Api;
let port: number;
let token: string;
const stopRuntime = () => runtime.stop();
const startRuntime = () => runtime.start();

beforeAll(async () => {
  runtime = await externalRuntime();
  ({ token } = runtime);
  port = Number(new URL(runtime.url).port);
  database = await createTestDatabase();
  portal = await startPortal({ databaseUrl: database.url, env: runtime.env });
  api = await apiFor(portal.baseUrl);
});

afterAll(async () => {
  await portal?.stop();
  await runtime?.remove();
  removeDir(portal?.dataDir ?? "");
  await database?.drop();
});

describe("external runtime", () => {
  it("reports itself without its token, and restores sessions after the runtime restarts empty", async () => {
    const info = await api.get("/api/admin/runtime");
    expect(info).toMatchObject({ mode: "external", url: `http://127.0.0.1:${port}`, status: "ok" });
    expect(JSON.stringify(info)).not.toContain(token);
    expect(info).not.toHaveProperty("pid");

    const teamId = await defaultTeamId(api);
    const { body: session } = await api.request("POST", "/api/sessions", { teamId, agent: "demo" });
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "the external one: coral fox" });
    await waitForIdle(api, session.id);

    await stopRuntime();
    const down = await waitFor(
      () => api.request("GET", "/api/health"),
      (r) => r.body.runtime === "down",
      15_000,
    );
    expect(down.status).toBe(200);
    // Down, not lost: it may come back holding its sessions.
    expect(down.body).toEqual({ status: "degraded", db: "ok", runtime: "down", runtimeLosses: { recovering: 0, recent: 0, windowMinutes: 15, lastAt: null } });
    expect((await api.get(`/api/sessions/${session.id}`)).status).toBe("offline");
    const refused = await api.request("POST", `/api/sessions/${session.id}/prompt`, { text: "while it is down" });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBeTruthy();
    expect(refused.headers.get("content-type")).toBe("application/problem+json");

    await startRuntime();
    await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
      30_000,
    );
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/recall" });
    await waitForIdle(api, session.id);
    const events = await allEvents(api, session.id);
    expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i + 1));
    const reply = events
      .filter((e) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
      .map((e) => e.payload.params.update.content.text)
      .join("");
    expect(reply).toContain("coral fox");
  });

  it("tells the portal when the runtime refuses a message the SDK posts (the SDK would wait forever)", async () => {
    const refusals: Array<{ message: any; status: number }> = [];
    const observed = createObservedFetch({ onRefused: (message, status) => refusals.push({ message, status }) });
    // Half an emoji as a raw JSON escape: the runtime refuses the whole request.
    const body = `{"jsonrpc":"2.0","id":7,"method":"session/prompt","params":{"sessionId":"s-1","prompt":[{"type":"text","text":"\\ud83d"}]}}`;
    const response = await observed.fetch(`http://127.0.0.1:${port}/v1/acp/refusal-probe?agent=mock`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    expect(response.ok).toBe(false);
    expect(refusals).toEqual([{ message: JSON.parse(body), status: response.status }]);
    expect(refusals[0]!.message.method).toBe("session/prompt");
  });
});

describe("a dead ACP connection", () => {
  it("ends the turns on it as interrupted within seconds, says so, and the sessions come back", async () => {
    const teamId = await defaultTeamId(api);
    const { body: session } = await api.request("POST", "/api/sessions", { teamId, agent: "demo" });
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "remember the amber kite" });
    await waitForIdle(api, session.id);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/sleep 120000" });
    await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "running",
      15_000,
    );

    // Kill the agent process under the running turn: the runtime itself stays healthy, so only the
    // dead connection can tell the portal (the SDK would wait for the prompt forever).
    const lossesBefore = (await api.request("GET", "/api/health")).body.runtimeLosses.recent;
    const agents = execFileSync("pgrep", ["-P", String(runtime.pid())], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map(Number);
    for (const pid of agents) process.kill(pid, "SIGKILL");
    const started = Date.now();
    const ended = await waitFor(
      () => api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
      15_000,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ended.lastStopReason).toBe("interrupted");
    const info = await api.get("/api/admin/runtime");
    expect(info.connectionLosses).toBeGreaterThanOrEqual(1);
    expect(info.lastConnectionLoss.reason).toMatch(/agent process exited/);
    // Health says so too (without the reason): the loss is counted, and it is ok again once recovered.
    const health = await waitFor(
      () => api.request("GET", "/api/health"),
      (r) => r.body.runtime === "ok" && r.body.runtimeLosses.recovering === 0,
      15_000,
    );
    expect(health.body.status).toBe("ok");
    expect(health.body.runtimeLosses.recent).toBe(lossesBefore + 1);
    expect(Date.parse(health.body.runtimeLosses.lastAt)).toBeGreaterThanOrEqual(started - 1_000);
    expect(JSON.stringify(health.body)).not.toMatch(/agent process|sdk-/);

    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/recall" });
    await waitForIdle(api, session.id);
    const events = await allEvents(api, session.id);
    expect(events.some((e) => e.sender === "portal" && e.payload.type === "turn_ended" && e.payload.stopReason === "interrupted")).toBe(true);
    const reply = events
      .filter((e) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
      .map((e) => e.payload.params.update.content.text)
      .join("");
    expect(reply).toContain("amber kite");
  });
});

import { execFileSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObservedFetch, type Refusal } from "@/lib/runtime/observed-fetch";
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
    const refusals: Array<{ message: any; refusal: Refusal }> = [];
    const observed = createObservedFetch({ onRefused: (message, refusal) => refusals.push({ message, refusal }) });
    // Half an emoji as a raw JSON escape: the runtime refuses the whole request.
    const body = `{"jsonrpc":"2.0","id":7,"method":"session/prompt","params":{"sessionId":"s-1","prompt":[{"type":"text","text":"\\ud83d"}]}}`;
    const response = await observed.fetch(`http://127.0.0.1:${port}/v1/acp/refusal-probe?agent=mock`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
    });
    expect(response.ok).toBe(false);
    // A live agent's runtime refused it: not an agent that is gone.
    expect(refusals).toEqual([{ message: JSON.parse(body), refusal: { status: response.status, agentGone: false } }]);
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

describe("an agent killed under turns", () => {
  // The portal reaches this runtime through a proxy the test steers, to put the runtime's answers in
  // the order that once ended such a turn as "error": the refusals of the dead agent's prompts (502 to
  // a prompt posted after the death, 500 to the pending one when its server closes) reach the portal
  // before anything has judged the connection lost (its agent_exited frame held back, health failing).
  let deadRuntime: ExternalRuntime;
  let proxy: Awaited<ReturnType<typeof steeredProxy>>;
  let deadPortal: Portal;
  let deadApi: Api;

  beforeAll(async () => {
    deadRuntime = await externalRuntime();
    proxy = await steeredProxy(deadRuntime.url);
    deadPortal = await startPortal({ databaseUrl: database.url, env: { SANDBOX_AGENT_URL: proxy.url, SANDBOX_AGENT_TOKEN: deadRuntime.token } });
    deadApi = await apiFor(deadPortal.baseUrl);
  });

  afterAll(async () => {
    await deadPortal?.stop();
    await proxy?.close();
    await deadRuntime?.remove();
    removeDir(deadPortal?.dataDir ?? "");
  });

  it("ends them interrupted, never failed, whatever reaches the portal first", async () => {
    const teamId = await defaultTeamId(deadApi);
    const sessions: Array<{ id: string }> = [];
    for (const word of ["jade otter", "slate crane"]) {
      const { body: session } = await deadApi.request("POST", "/api/sessions", { teamId, agent: "demo" });
      await deadApi.post(`/api/sessions/${session.id}/prompt`, { text: `remember the ${word}` });
      await waitForIdle(deadApi, session.id);
      sessions.push(session);
    }
    const [sleeping, late] = sessions as [{ id: string }, { id: string }];
    await deadApi.post(`/api/sessions/${sleeping.id}/prompt`, { text: "/sleep 120000" });
    await waitFor(
      () => deadApi.get(`/api/sessions/${sleeping.id}`),
      (s) => s.status === "running",
      15_000,
    );

    proxy.hold();
    const agents = execFileSync("pgrep", ["-P", String(deadRuntime.pid())], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map(Number);
    for (const pid of agents) process.kill(pid, "SIGKILL");
    // A prompt to the dead agent (the runtime: 502, its stdin is a broken pipe)…
    expect((await deadApi.request("POST", `/api/sessions/${late.id}/prompt`, { text: "are you there?" })).status).toBe(202);
    await waitFor(
      async () => proxy.refusals.map((r) => r.type),
      (types) => types.includes("urn:sandbox-agent:error:stream_error"),
      10_000,
    );
    // …and the pending one, answered when its server closes (500 agent_process_exited).
    const headers = { authorization: `Bearer ${deadRuntime.token}` };
    const { servers } = (await (await fetch(`${deadRuntime.url}/v1/acp`, { headers })).json()) as { servers: Array<{ serverId: string }> };
    for (const { serverId } of servers) await fetch(`${deadRuntime.url}/v1/acp/${serverId}`, { method: "DELETE", headers });
    await waitFor(
      async () => proxy.refusals.map((r) => r.type),
      (types) => types.includes("urn:sandbox-agent:error:agent_process_exited"),
      10_000,
    );
    proxy.release();

    for (const session of sessions) {
      const ended = await waitFor(
        () => deadApi.get(`/api/sessions/${session.id}`),
        (s) => s.status === "restorable",
        20_000,
      );
      expect(ended.lastStopReason).toBe("interrupted");
      const turnEnds = (await allEvents(deadApi, session.id)).filter((e) => e.sender === "portal" && e.payload.type === "turn_ended");
      expect(turnEnds.map((e) => e.payload.stopReason)).toEqual(["end_turn", "interrupted"]);
    }
    await deadApi.post(`/api/sessions/${late.id}/prompt`, { text: "/recall" });
    await waitForIdle(deadApi, late.id);
    const reply = (await allEvents(deadApi, late.id))
      .filter((e) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
      .map((e) => e.payload.params.update.content.text)
      .join("");
    expect(reply).toContain("slate crane");
  });
});

/**
 * An HTTP proxy in front of a runtime that, while held, answers its health probe 503 and keeps its
 * event streams' bytes back (released in order), and notes every refused POST's problem type.
 */
async function steeredProxy(target: string) {
  const upstream = new URL(target);
  let holding = false;
  const flushers = new Set<() => void>();
  const refusals: Array<{ status: number; type: string }> = [];
  const server = http.createServer((req, res) => {
    if (holding && req.url?.startsWith("/v1/health")) {
      res.writeHead(503).end();
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (req.method === "POST" && (answer.statusCode ?? 0) >= 400) {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          refusals.push({ status: answer.statusCode!, type: String((JSON.parse(body.toString() || "{}") as { type?: unknown }).type) });
          res.end(body);
        });
        return;
      }
      if (!String(answer.headers["content-type"]).includes("text/event-stream")) {
        answer.pipe(res);
        return;
      }
      const held: Buffer[] = [];
      const flush = () => {
        for (const chunk of held.splice(0)) res.write(chunk);
      };
      flushers.add(flush);
      answer.on("data", (chunk: Buffer) => (holding ? held.push(chunk) : (flush(), res.write(chunk))));
      answer.on("end", () => {
        flush();
        res.end();
      });
      res.on("close", () => {
        flushers.delete(flush);
        answer.destroy();
      });
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refusals,
    hold: () => void (holding = true),
    release() {
      holding = false;
      for (const flush of flushers) flush();
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Real agents (issue 17): what Claude Code costs a team, through the real portal, its bwrap sandboxes
// and its model gateway, with a scripted Anthropic server on loopback that answers at once.
//  - first answer: session create + prompt → the agent's first message chunk, in a new sandbox each
//    time vs a new session in a warm (running) sandbox vs the SDK straight on a runtime with Claude
//    preinstalled and the scripted server as its base URL (the baseline: no portal, no jail, no
//    gateway), p50/p99 over BENCH_AGENT_SESSIONS (20) sessions each, interleaved.
//  - the gateway's added latency per streamed token: a paced SSE stream of tokens read straight from
//    the upstream vs through the portal's gateway endpoint of a running sandbox (its Unix socket, as
//    the jail's bridge reaches it), token by token on one clock, p50/p99 of arrival − emission.
//    Target: < 1 ms added at p50.
//  - memory per running Claude sandbox (RSS of its jail: bwrap, init, runtime, claude-code-acp,
//    Claude Code) and how many fit in this machine's available memory.
//   node --conditions=react-server --import tsx bench/real-agents.ts   (or: npm run bench -- real-agents)
// Needs Claude Code installed (`npm run agents -- install claude`; PORTAL_AGENTS_DIR, default
// /var/cache/agent-portal/agents as CI installs it) and bubblewrap; as root, like CI.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { SandboxAgent } from "sandbox-agent";
import { Agent, request } from "undici";
import { agentInstallStatus } from "@/lib/agents/installer";
import { startScriptedAnthropic } from "../tests/fixtures/scripted-models/anthropic";
import { allEvents, waitFor, waitForIdle, type Api } from "../tests/integration/harness";
import { onCleanup, runBench } from "./support/cleanup";
import { createBenchDatabase, type BenchDatabase } from "./support/database";
import { startBenchPortal } from "./support/portal";
import { memAvailableKb, treeRssKb } from "./support/processes";
import { fmtMs, note, percentile, printTable, sleep } from "./support/report";
import { spawnRuntime } from "./support/runtime";

const SESSIONS = Number(process.env.BENCH_AGENT_SESSIONS ?? 20);
const TOKENS = 400;
const TOKEN_EVERY_MS = 2;
const STREAMS = 8;
const AGENTS_DIR = (process.env.PORTAL_AGENTS_DIR ??= "/var/cache/agent-portal/agents");
const KEY = "sk-ant-bench-0123456789";

type Events = Awaited<ReturnType<typeof allEvents>>;

const firstChunkAfter = (events: Events, from: number) =>
  events.some((event, i) => i >= from && event.payload?.params?.update?.sessionUpdate === "agent_message_chunk");

/** Prompt → the agent's first message chunk, as a script polling the portal sees it. */
async function promptToFirstChunk(api: Api, sessionId: string, started: number) {
  const from = (await allEvents(api, sessionId)).length;
  await api.post(`/api/sessions/${sessionId}/prompt`, { text: "Say hello" });
  await waitFor(
    () => allEvents(api, sessionId),
    (events) => firstChunkAfter(events, from),
    120_000,
    5,
  );
  const ms = performance.now() - started;
  await waitForIdle(api, sessionId, 120_000);
  return ms;
}

interface Bench {
  api: Api;
  teamId: string;
  dataDir: string;
  database: BenchDatabase;
}

async function firstAnswers({ api, teamId }: Bench) {
  const anthropic = await startScriptedAnthropic("Hello from the scripted model.");
  onCleanup(() => anthropic.close());
  await api.request("PUT", `/api/teams/${teamId}/credentials/anthropic`, { apiKey: KEY, baseUrl: `${anthropic.url}/anthropic` });

  // The baseline: Claude preinstalled in a runtime of our own, the scripted server as its model.
  const gatewayEnv = path.join(os.tmpdir(), `bench-direct-gateway-${randomUUID()}.env`);
  writeFileSync(gatewayEnv, `PORTAL_GATEWAY_URL=${anthropic.url}\nPORTAL_GATEWAY_TOKEN=${KEY}\n`, { mode: 0o600 });
  // As root Claude Code starts only when told it is sandboxed (the portal's jails run it as a uid of its own).
  const runtime = await spawnRuntime({ env: { PORTAL_GATEWAY_ENV_FILE: gatewayEnv, ...(process.getuid?.() === 0 ? { IS_SANDBOX: "1" } : {}) } });
  const sdk = await SandboxAgent.connect({ baseUrl: runtime.baseUrl, token: runtime.token });
  const cwd = os.tmpdir();
  const sdkFirstChunk = async () => {
    const started = performance.now();
    const session = await sdk.createSession({ agent: "claude", cwd });
    let first = 0;
    const off = session.onEvent((event) => {
      if (!first && (event.payload as { params?: { update?: { sessionUpdate?: string } } })?.params?.update?.sessionUpdate === "agent_message_chunk")
        first = performance.now();
    });
    await session.prompt([{ type: "text", text: "Say hello" }]);
    while (!first) await sleep(5);
    off();
    await sdk.destroySession(session.id).catch(() => undefined);
    return first - started;
  };

  const newSandbox = async () => {
    const started = performance.now();
    const session = await api.post("/api/sessions", { teamId, agent: "claude" });
    const ms = await promptToFirstChunk(api, session.id, started);
    // Stopped at once, so the machine holds one Claude sandbox at a time (as in the baseline).
    await api.post(`/api/sandboxes/${session.sandboxId}/stop`);
    return ms;
  };
  // Warm: a sandbox that already runs Claude; each new session of it starts from there.
  const warm = await api.post("/api/sessions", { teamId, agent: "claude", title: "warm" });
  await promptToFirstChunk(api, warm.id, performance.now());
  // Each session keeps a Claude Code process of its own (~250 MB) while it exists: destroyed after its
  // answer, or 20 of them would pass the sandbox's memory limit (2 GiB by default). A destroy releases
  // the sandbox's agent processes (lib/sandboxes/pool.ts releaseAgents), so each next session here
  // also starts Claude Code's adapter again: that is part of what a warm sandbox costs.
  const warmSession = async () => {
    const started = performance.now();
    const session = await api.post("/api/sessions", { teamId, agent: "claude", sandboxId: warm.sandboxId });
    const ms = await promptToFirstChunk(api, session.id, started);
    await api.request("DELETE", `/api/sessions/${session.id}`);
    return ms;
  };

  await sdkFirstChunk(); // the first start of each reads Claude Code from a cold page cache
  await newSandbox();
  const times = { sdk: [] as number[], warm: [] as number[], fresh: [] as number[] };
  for (let i = 0; i < SESSIONS; i += 1) {
    times.sdk.push(await sdkFirstChunk());
    times.warm.push(await warmSession());
    times.fresh.push(await newSandbox());
  }
  const row = (label: string, values: number[]) => [
    label,
    fmtMs(percentile(values, 50)),
    fmtMs(percentile(values, 99)),
    `${(percentile(values, 50) / percentile(times.sdk, 50)).toFixed(2)}×`,
  ];
  printTable(
    `Claude Code: session create + prompt → first message chunk, ${SESSIONS} sessions each`,
    ["", "p50", "p99", "p50 / baseline"],
    [
      row("SDK on a runtime with Claude preinstalled (baseline)", times.sdk),
      row("portal, a new session in a warm sandbox", times.warm),
      row("portal, a new sandbox each", times.fresh),
    ],
  );

  // Memory: the warm sandbox with one live Claude session (its last destroy released the agent, so a
  // prompt loads it again), then with a second live session beside it.
  const jailRssKb = async () => {
    const overview = await api.get("/api/admin/runtime");
    const jail = (overview.sandboxes as Array<{ sandboxId: string; pid?: number }>).find((sandbox) => sandbox.sandboxId === warm.sandboxId);
    return jail?.pid ? treeRssKb(jail.pid) : null;
  };
  await promptToFirstChunk(api, warm.id, performance.now());
  const one = await jailRssKb();
  const second = await api.post("/api/sessions", { teamId, agent: "claude", sandboxId: warm.sandboxId });
  await promptToFirstChunk(api, second.id, performance.now());
  const two = await jailRssKb();
  if (one && two) {
    const fit = Math.floor(memAvailableKb() / one);
    note(
      `memory of a running Claude sandbox (RSS of its jail's processes): ${(one / 1024).toFixed(0)} MiB with one live session, +${((two - one) / 1024).toFixed(0)} MiB for each more; this machine's available memory (${(memAvailableKb() / 1024 / 1024).toFixed(1)} GiB) holds about ${fit} more such sandboxes`,
    );
  } else note("memory: the warm sandbox's jail pid was not listed by /api/admin/runtime");
}

/** An upstream that streams TOKENS text deltas, TOKEN_EVERY_MS apart, noting when each was written. */
async function pacedUpstream() {
  const emitted: number[] = [];
  const streamTokens = async (res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    res.write(
      `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { id: "msg_bench", type: "message", role: "assistant", model: "claude-bench", content: [], usage: { input_tokens: 10, output_tokens: 0 } } })}\n\n`,
    );
    for (let i = 0; i < TOKENS; i += 1) {
      const deadline = performance.now() + TOKEN_EVERY_MS;
      emitted[i] = performance.now();
      res.write(`event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"<t${i}>"}}\n\n`);
      while (performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    }
    res.end(
      `event: message_delta\ndata: ${JSON.stringify({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: TOKENS } })}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`,
    );
  };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => void streamTokens(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, emitted };
}

/** One streamed call; each token's arrival − emission, in ms. */
async function tokenLatencies(url: string, key: string, emitted: number[], dispatcher?: Agent): Promise<number[]> {
  emitted.length = 0;
  const arrived: number[] = [];
  const answer = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-bench", max_tokens: 1024, stream: true, messages: [{ role: "user", content: "hello" }] }),
    dispatcher,
  });
  for await (const chunk of answer.body as AsyncIterable<Buffer>) {
    const at = performance.now();
    for (const match of chunk.toString("utf8").matchAll(/<t(\d+)>/g)) arrived[Number(match[1])] = at;
  }
  return arrived.map((at, i) => at - emitted[i]!);
}

/** The Unix socket and token of a running sandbox's gateway endpoint, as its jail reaches them. */
function gatewayOf(dataDir: string, sandboxId: string) {
  const dir = execFileSync("find", [dataDir, "-type", "d", "-path", `*${sandboxId}*/gateway`], { encoding: "utf8" })
    .trim()
    .split("\n")[0]!;
  const token = /PORTAL_GATEWAY_TOKEN=(.+)/.exec(readFileSync(path.join(dir, "gateway.env"), "utf8"))?.[1];
  if (!dir || !token) throw new Error(`no gateway endpoint found for sandbox ${sandboxId} under ${dataDir}`);
  return { socketPath: path.join(dir, "gateway.sock"), token };
}

async function gatewayLatency({ api, dataDir, database }: Bench) {
  const upstream = await pacedUpstream();
  // A team of its own whose key goes to the paced upstream, and a running sandbox of it.
  const team = await api.post("/api/teams", { name: "Gateway bench" });
  await api.request("PUT", `/api/teams/${team.id}/credentials/anthropic`, { apiKey: KEY, baseUrl: upstream.url });
  const session = await api.post("/api/sessions", { teamId: team.id, agent: "demo" });
  await api.post(`/api/sessions/${session.id}/prompt`, { text: "hello" });
  await waitForIdle(api, session.id);
  const gateway = gatewayOf(dataDir, session.sandboxId);
  const viaSocket = new Agent({ connect: { socketPath: gateway.socketPath } });
  onCleanup(() => viaSocket.close());

  const direct: number[] = [];
  const gated: number[] = [];
  await tokenLatencies(`${upstream.url}/v1/messages`, KEY, upstream.emitted); // warm both sides
  await tokenLatencies("http://gateway/anthropic/v1/messages", gateway.token, upstream.emitted, viaSocket);
  for (let i = 0; i < STREAMS; i += 1) {
    direct.push(...(await tokenLatencies(`${upstream.url}/v1/messages`, KEY, upstream.emitted)));
    gated.push(...(await tokenLatencies("http://gateway/anthropic/v1/messages", gateway.token, upstream.emitted, viaSocket)));
  }
  const row = (label: string, values: number[], added: string) => [
    label,
    String(values.length),
    `${percentile(values, 50).toFixed(3)} ms`,
    `${percentile(values, 99).toFixed(3)} ms`,
    added,
  ];
  printTable(
    `one streamed token: the upstream wrote it → the client read it (${STREAMS} streams of ${TOKENS} tokens, one every ${TOKEN_EVERY_MS} ms)`,
    ["path", "tokens", "p50", "p99", "added p50 / p99"],
    [
      row("straight to the upstream (baseline)", direct, "-"),
      row(
        "through the portal's gateway (a sandbox's socket)",
        gated,
        `${(percentile(gated, 50) - percentile(direct, 50)).toFixed(3)} / ${(percentile(gated, 99) - percentile(direct, 99)).toFixed(3)} ms`,
      ),
    ],
  );
  const recorded = await waitFor(
    async () => (await database.pool.query("SELECT count(*)::int AS n FROM model_calls WHERE team_id = $1", [team.id])).rows[0].n as number,
    (n) => n >= STREAMS + 1,
    10_000,
  );
  note(
    `target: added p50 < 1 ms. Every call through the gateway left its model_calls row (${recorded}); the jail's own bridge (loopback :4100 → this socket) is not in these figures.`,
  );
}

runBench("real-agents", async () => {
  const database = await createBenchDatabase("real_agents");
  const { api, teamId, portal } = await startBenchPortal(database.url, { PORTAL_AGENTS_DIR: AGENTS_DIR, ANTHROPIC_API_KEY: "", OPENAI_API_KEY: "" });
  const bench = { api, teamId, dataDir: portal.dataDir, database };
  await gatewayLatency(bench);
  if (agentInstallStatus("claude", AGENTS_DIR).state !== "installed") {
    note(`first answer and memory: skipped, Claude Code is not installed in ${AGENTS_DIR} (npm run agents -- install claude)`);
    return;
  }
  await firstAnswers(bench);
});

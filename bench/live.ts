// Live streaming through the portal: added latency runtime → EventSource for 1, 10 and 100 viewers,
// throughput to 10 viewers during `/stream 100000`, and memory/handles per viewer connection.
//
//   node_modules/.bin/tsx bench/live.ts [latency] [throughput] [memory]     (all three by default)
//     --viewers 1,10,100  --chunks 1000 --rate 200          latency rounds
//     --throughput-chunks 100000 --throughput-rate 2000 --throughput-viewers 10
//     --idle-viewers 500 --cycles 1000                       memory
//
// Real parts only: the bench starts the sandbox-agent runtime binary with the demo agent itself and a
// real portal (`next start`, tests/integration/harness.ts) using it as its external runtime, on a
// throwaway database of the machine's PostgreSQL. Because the bench holds the runtime's token it can
// open its own reader on the runtime's ACP stream: the moment a numbered chunk comes out of the runtime
// there is the reference point for every measurement ("the demo agent wrote chunk i").
//
// Latency: the portal's session streams `/stream N RATE` to K EventSource viewers (the `eventsource`
// package, in 1–2 processes of their own); the reference readers (and a LISTEN connection that sees
// each commit) run in another small process, so no client's parsing delays them;
// at the same time a standalone SDK client (SandboxAgent.connect) in this process runs the same command
// on its own session of the same runtime — the baseline is that chunk's arrival at the SDK's onEvent.
// Both are measured from the reference reader on their own ACP stream, on one clock
// (process.hrtime, CLOCK_MONOTONIC, shared by all processes). Added latency = portal − baseline.
// Results are printed, not asserted; this 2-core machine also runs the portal, PostgreSQL, the
// runtime and the agents, so every figure includes that contention.

import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EventSource } from "eventsource";
import pg from "pg";
import { SandboxAgent } from "sandbox-agent";
import { apiFor, createTestDatabase, defaultTeamId, freePort, startPortal, waitFor, type Api, type Portal } from "../tests/integration/harness";
import { onCleanup, runBench } from "./support/cleanup";
import { percentile, printTable, sleep } from "./support/report";
import { spawnRuntime } from "./support/runtime";

const ROOT = path.resolve(import.meta.dirname, "..");
// The viewer and reference processes load this file too, so they run it the way scripts/bench.mjs does
// (the react-server condition lets its lib imports' `import "server-only"` resolve).
const CHILD_EXEC_ARGV = ["--conditions=react-server", "--import", "tsx"];
const CHUNK_TEXT = /^(\d+) $/;
const now = () => Number(process.hrtime.bigint()); // ns, CLOCK_MONOTONIC: comparable across processes

/**
 * fetch over node:http with one connection per request that is closed the moment the request is
 * aborted, as a browser closes an EventSource's connection. (Node's built-in fetch keeps an aborted
 * streaming response's socket open for seconds, which would blur what the portal releases.)
 */
function httpFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: init?.method ?? "GET", headers: Object.fromEntries(new Headers(init?.headers).entries()), agent: false },
      (response) => {
        let ended = false;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            response.on("data", (chunk: Buffer) => {
              controller.enqueue(new Uint8Array(chunk));
              if ((controller.desiredSize ?? 1) <= 0) response.pause();
            });
            response.on("end", () => {
              ended = true;
              controller.close();
            });
            response.on("close", () => {
              if (!ended) controller.error(new TypeError("terminated"));
            });
          },
          pull: () => void response.resume(),
          cancel: () => void request.destroy(),
        });
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === "string") headers.set(name, value);
        resolve(new Response(body, { status: response.statusCode ?? 0, headers }));
      },
    );
    request.on("error", reject);
    init?.signal?.addEventListener("abort", () => request.destroy(Object.assign(new Error("aborted"), { name: "AbortError" })), { once: true });
    request.end();
  });
}

// ───────────────────────────── viewer processes ─────────────────────────────

type ToViewers =
  | { type: "open"; baseUrl: string; token: string; sessionId: string; count: number; after?: number }
  | { type: "collect"; chunks?: number; events?: number; timeoutMs: number }
  | { type: "close" };

interface ViewerReport {
  /** Per viewer: arrival time (ns) of chunk i at index i-1 (0 when missing). */
  chunkArrivals: number[][];
  /** Event index of chunk i (from the first viewer). */
  chunkIndexes: number[];
  /** Per viewer: events received, whether indexes were consecutive, first/last arrival (ns). */
  events: Array<{
    count: number;
    inOrder: boolean;
    first: number;
    last: number;
    lastIndex: number;
    opens: number;
    chunks: number;
    chunkFirst: number;
    chunkLast: number;
    gaps: number;
  }>;
}

async function viewerProcess() {
  let chunkIndexes: number[] = [];
  type Viewer = ViewerReport["events"][number] & { source: EventSource; arrivals: number[] };
  let viewers: Viewer[] = [];
  const onMessage = async (message: ToViewers) => {
    if (message.type === "open") {
      let opened = 0;
      for (let i = 0; i < message.count; i += 1) {
        const viewer: Viewer = {
          source: null as unknown as EventSource,
          arrivals: [],
          count: 0,
          inOrder: true,
          first: 0,
          last: 0,
          lastIndex: message.after ?? 0,
          opens: 0,
          chunks: 0,
          chunkFirst: 0,
          chunkLast: 0,
          gaps: 0,
        };
        const url = `${message.baseUrl}/api/sessions/${message.sessionId}/stream${message.after !== undefined ? `?after=${message.after}` : ""}`;
        viewer.source = new EventSource(url, {
          fetch: (input, init) =>
            httpFetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${message.token}` } }),
        });
        viewer.source.addEventListener("open", () => {
          viewer.opens += 1;
          if (viewer.opens === 1) opened += 1;
          if (opened === message.count && viewer.opens === 1) process.send!({ type: "opened" });
        });
        viewer.source.addEventListener("event", (event) => {
          const at = now();
          const data = JSON.parse(event.data) as {
            index: number;
            payload: { type?: string; params?: { update?: { sessionUpdate?: string; content?: { text?: string } } } };
          };
          if (data.payload?.type === "gap") viewer.gaps += 1;
          if (data.index !== viewer.lastIndex + 1) viewer.inOrder = false;
          viewer.lastIndex = data.index;
          if (viewer.count === 0) viewer.first = at;
          viewer.last = at;
          viewer.count += 1;
          const update = data.payload?.params?.update;
          const match = update?.sessionUpdate === "agent_message_chunk" ? CHUNK_TEXT.exec(update.content?.text ?? "") : null;
          if (match) {
            const seq = Number(match[1]);
            if (!viewer.arrivals[seq - 1]) viewer.arrivals[seq - 1] = at;
            chunkIndexes[seq - 1] = data.index;
            if (viewer.chunks === 0) viewer.chunkFirst = at;
            viewer.chunkLast = at;
            viewer.chunks += 1;
          }
        });
        viewers.push(viewer);
      }
    } else if (message.type === "collect") {
      const deadline = Date.now() + message.timeoutMs;
      const done = () =>
        viewers.every(
          (viewer) => (message.chunks === undefined || viewer.chunks >= message.chunks) && (message.events === undefined || viewer.count >= message.events),
        );
      while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const report: ViewerReport = {
        chunkArrivals: viewers.map((viewer) => Array.from({ length: message.chunks ?? 0 }, (_, i) => viewer.arrivals[i] ?? 0)),
        chunkIndexes: Array.from({ length: message.chunks ?? 0 }, (_, i) => chunkIndexes[i] ?? 0),
        events: viewers.map(({ source: _source, arrivals: _arrivals, ...counts }) => counts),
      };
      process.send!({ type: "report", report });
    } else if (message.type === "close") {
      for (const viewer of viewers) viewer.source.close();
      viewers = [];
      chunkIndexes = [];
      process.send!({ type: "closed" });
    }
  };
  process.on("message", (message: Parameters<typeof onMessage>[0]) => void onMessage(message));
  process.send!({ type: "ready" });
}

class ViewerGroup {
  private constructor(private readonly children: ChildProcess[]) {}

  static async start(processes: number) {
    const children = await Promise.all(
      Array.from({ length: processes }, async () => {
        const child = fork(fileURLToPath(import.meta.url), ["--viewer-process"], { execArgv: CHILD_EXEC_ARGV, stdio: ["ignore", "inherit", "inherit", "ipc"] });
        await nextMessage(child, "ready");
        return child;
      }),
    );
    return new ViewerGroup(children);
  }

  async open(input: { baseUrl: string; token: string; sessionId: string; count: number; after?: number }) {
    const shares = split(input.count, this.children.length);
    await Promise.all(
      this.children.map(async (child, i) => {
        if (shares[i] === 0) return;
        const opened = nextMessage(child, "opened");
        child.send({ type: "open", ...input, count: shares[i]! } satisfies ToViewers);
        await opened;
      }),
    );
  }

  async collect(input: { chunks?: number; events?: number; timeoutMs: number }): Promise<ViewerReport> {
    const reports = await Promise.all(
      this.children.map(async (child) => {
        const report = nextMessage<{ report: ViewerReport }>(child, "report");
        child.send({ type: "collect", ...input } satisfies ToViewers);
        return (await report).report;
      }),
    );
    const chunkIndexes = reports.find((report) => report.chunkIndexes.some(Boolean))?.chunkIndexes ?? [];
    return { chunkArrivals: reports.flatMap((report) => report.chunkArrivals), chunkIndexes, events: reports.flatMap((report) => report.events) };
  }

  async close() {
    await Promise.all(
      this.children.map(async (child) => {
        const closed = nextMessage(child, "closed");
        child.send({ type: "close" } satisfies ToViewers);
        await closed;
      }),
    );
  }

  stop() {
    for (const child of this.children) child.kill();
  }
}

function nextMessage<T = unknown>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`viewer process exited (${code}) while waiting for ${type}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

function split(total: number, parts: number) {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

// ───────────────────────────── runtime, portal, reference reader ─────────────────────────────

/** A reader of one ACP server's SSE stream on the runtime: when each numbered chunk came out. */
class ReferenceReader {
  arrivals = new Map<number, number>();
  private controller = new AbortController();

  static async open(runtime: { url: string; token: string }, serverId: string) {
    const reader = new ReferenceReader();
    const response = await fetch(`${runtime.url}/v1/acp/${encodeURIComponent(serverId)}`, {
      headers: { authorization: `Bearer ${runtime.token}`, accept: "text/event-stream" },
      signal: reader.controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`ACP stream of ${serverId}: HTTP ${response.status}`);
    void reader.read(response.body).catch(() => undefined);
    return reader;
  }

  private async read(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = body.getReader();
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) return;
      const at = now();
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const match = /"text":"(\d+) ","type":"text"\},"sessionUpdate":"agent_message_chunk"/.exec(frame);
        if (match && !this.arrivals.has(Number(match[1]))) this.arrivals.set(Number(match[1]), at);
      }
    }
  }

  reset() {
    this.arrivals = new Map();
  }

  close() {
    this.controller.abort();
  }
}

/** LISTENs like a portal process does: when each event index of a session was committed (NOTIFY is sent at commit). */
class CommitListener {
  arrivals = new Map<number, number>();
  private sessionId = "";

  private constructor(private readonly client: pg.Client) {}

  static async open(databaseUrl: string) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const listener = new CommitListener(client);
    client.on("notification", (message) => {
      const at = now();
      const payload = JSON.parse(message.payload ?? "{}") as { n?: Array<{ s: string; f: number; t: number }> };
      for (const notice of payload.n ?? []) {
        if (notice.s !== listener.sessionId) continue;
        for (let index = notice.f; index <= notice.t; index += 1) listener.arrivals.set(index, at);
      }
    });
    await client.query("LISTEN portal_events");
    return listener;
  }

  watch(sessionId: string) {
    this.sessionId = sessionId;
    this.arrivals = new Map();
  }

  async close() {
    await this.client.end().catch(() => undefined);
  }
}

/** The reference readers live in a small process of their own so a busy bench process cannot delay them. */
async function referenceProcess() {
  const readers = new Map<string, ReferenceReader>();
  let commits: CommitListener | null = null;
  const onMessage = async (message: {
    type: string;
    key: string;
    runtime?: { url: string; token: string };
    serverId?: string;
    databaseUrl?: string;
    sessionId?: string;
  }) => {
    if (message.type === "listen") {
      commits = await CommitListener.open(message.databaseUrl!);
      process.send!({ type: "listening" });
    } else if (message.type === "watch") {
      commits!.watch(message.sessionId!);
      process.send!({ type: "watching" });
    } else if (message.type === "commits") {
      process.send!({ type: "commits", arrivals: [...commits!.arrivals] });
    } else if (message.type === "open") {
      readers.set(message.key, await ReferenceReader.open(message.runtime!, message.serverId!));
      process.send!({ type: `opened:${message.key}` });
    } else if (message.type === "reset") {
      readers.get(message.key)!.reset();
      process.send!({ type: `reset:${message.key}` });
    } else if (message.type === "snapshot") {
      process.send!({ type: `snapshot:${message.key}`, arrivals: [...readers.get(message.key)!.arrivals] });
    }
  };
  process.on("message", (message: Parameters<typeof onMessage>[0]) => void onMessage(message));
  process.send!({ type: "ready" });
}

class RemoteReference {
  private constructor(
    private readonly child: ChildProcess,
    private readonly key: string,
  ) {}

  static async open(child: ChildProcess, key: string, runtime: { url: string; token: string }, serverId: string) {
    const opened = nextMessage(child, `opened:${key}`);
    child.send({ type: "open", key, runtime, serverId });
    await opened;
    return new RemoteReference(child, key);
  }

  async reset() {
    const done = nextMessage(this.child, `reset:${this.key}`);
    this.child.send({ type: "reset", key: this.key });
    await done;
  }

  /** When each numbered chunk came out of the runtime since the last reset (ns). */
  async arrivals(): Promise<Map<number, number>> {
    const answer = nextMessage<{ arrivals: Array<[number, number]> }>(this.child, `snapshot:${this.key}`);
    this.child.send({ type: "snapshot", key: this.key });
    return new Map((await answer).arrivals);
  }
}

/** The commit listener in the reference process. */
class RemoteCommits {
  constructor(private readonly child: ChildProcess) {}

  static async open(child: ChildProcess, databaseUrl: string) {
    const listening = nextMessage(child, "listening");
    child.send({ type: "listen", databaseUrl });
    await listening;
    return new RemoteCommits(child);
  }

  async watch(sessionId: string) {
    const watching = nextMessage(this.child, "watching");
    this.child.send({ type: "watch", sessionId });
    await watching;
  }

  /** When each event index of the watched session was committed (ns). */
  async arrivals(): Promise<Map<number, number>> {
    const answer = nextMessage<{ arrivals: Array<[number, number]> }>(this.child, "commits");
    this.child.send({ type: "commits" });
    return new Map((await answer).arrivals);
  }
}

async function acpServers(runtime: { url: string; token: string }): Promise<string[]> {
  const response = await fetch(`${runtime.url}/v1/acp`, { headers: { authorization: `Bearer ${runtime.token}` } });
  const body = (await response.json()) as { servers: Array<{ serverId: string }> };
  return body.servers.map((server) => server.serverId);
}

interface Bench {
  runtime: { url: string; token: string };
  portal: Portal;
  api: Api;
  teamId: string;
  portalReference: RemoteReference;
  sdk: SandboxAgent;
  sdkReference: RemoteReference;
  sdkSession: Awaited<ReturnType<SandboxAgent["createSession"]>>;
  commits: RemoteCommits;
  viewers: ViewerGroup;
  probePort: number;
  stop(): Promise<void>;
}

async function setUp(viewerProcesses: number): Promise<Bench> {
  // @ts-expect-error plain ESM build script without types
  const { ensureBuilt } = await import("../scripts/build.mjs");
  await ensureBuilt();
  // The runtime binary with the demo agent, as the other benches start it; the portal uses it as its external runtime.
  const started = await spawnRuntime();
  const runtime = { url: started.baseUrl, token: started.token };
  const database = await createTestDatabase();
  onCleanup(() => database.drop());
  const probePort = await freePort();
  const portal = await startPortal({
    databaseUrl: database.url,
    env: {
      SANDBOX_AGENT_URL: runtime.url,
      SANDBOX_AGENT_TOKEN: runtime.token,
      NODE_OPTIONS: `--require ${path.join(ROOT, "bench", "portal-probe.cjs")} --expose-gc ${process.env.BENCH_PORTAL_NODE_OPTIONS ?? ""}`,
      BENCH_PROBE_PORT: String(probePort),
      // The viewers are one user: the per-user stream cap (50 by default) would refuse most of them.
      PORTAL_MAX_STREAMS_PER_USER: "1000",
    },
  });
  const api = await apiFor(portal.baseUrl);
  const teamId = await defaultTeamId(api);
  // The portal's ACP server on the runtime appears with its first session.
  await api.post("/api/sessions", { teamId, agent: "demo", title: "warm-up" });
  const portalServers = await acpServers(runtime);
  if (portalServers.length !== 1) throw new Error(`expected the portal's one ACP server, found ${portalServers.join(", ")}`);
  const referenceChild = fork(fileURLToPath(import.meta.url), ["--reference-process"], {
    execArgv: CHILD_EXEC_ARGV,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await nextMessage(referenceChild, "ready");
  const portalReference = await RemoteReference.open(referenceChild, "portal", runtime, portalServers[0]!);

  const sdk = await SandboxAgent.connect({ baseUrl: runtime.url, token: runtime.token });
  const sdkSession = await sdk.createSession({ agent: "mock" });
  const sdkServer = (await acpServers(runtime)).find((id) => !portalServers.includes(id));
  if (!sdkServer) throw new Error("the SDK's ACP server did not appear");
  const sdkReference = await RemoteReference.open(referenceChild, "sdk", runtime, sdkServer);
  const viewers = await ViewerGroup.start(viewerProcesses);
  const commits = await RemoteCommits.open(referenceChild, database.url);
  return {
    runtime,
    portal,
    api,
    teamId,
    portalReference,
    sdk,
    sdkReference,
    sdkSession,
    commits,
    viewers,
    probePort,
    async stop() {
      viewers.stop();
      referenceChild.kill();
      await sdk.dispose().catch(() => undefined);
      await portal.stop();
      rmSync(portal.dataDir, { recursive: true, force: true });
    },
  };
}

async function newPortalSession(bench: Bench, title: string) {
  return (await bench.api.post("/api/sessions", { teamId: bench.teamId, agent: "demo", title })).id as string;
}

/** Runs `/stream N RATE` on the SDK's own session; resolves with chunk arrival times at onEvent. */
function baselineStream(bench: Bench, chunks: number, rate: number) {
  const arrivals: number[] = new Array(chunks).fill(0);
  const off = bench.sdkSession.onEvent((event) => {
    const at = now();
    const update = (event.payload as { params?: { update?: { sessionUpdate?: string; content?: { text?: string } } } })?.params?.update;
    if (update?.sessionUpdate !== "agent_message_chunk") return;
    const match = CHUNK_TEXT.exec(update.content?.text ?? "");
    if (match && !arrivals[Number(match[1]) - 1]) arrivals[Number(match[1]) - 1] = at;
  });
  const done = bench.sdkSession.prompt([{ type: "text", text: `/stream ${chunks} ${rate}` }]).then(async () => {
    await waitFor(
      async () => arrivals.every(Boolean),
      (all) => all,
      30_000,
      20,
    ).catch(() => undefined);
    off();
    return arrivals;
  });
  return done;
}

// ───────────────────────────── statistics and printing ─────────────────────────────

/** Latencies in ms of `arrivals` (ns, by chunk) measured from the reference reader; missing samples are counted. */
function latencies(arrivals: number[], reference: Map<number, number>) {
  const values: number[] = [];
  let missing = 0;
  arrivals.forEach((at, i) => {
    const from = reference.get(i + 1);
    if (!at || from === undefined) missing += 1;
    else values.push((at - from) / 1e6);
  });
  return { values, missing };
}

const ms = (value: number) => `${value >= 0 ? " " : ""}${value.toFixed(2)} ms`;

interface PortalState {
  rssMb: number;
  fds: number;
  heapMb: number;
  sockets: number;
  timers: number;
  viewers: number | null;
}

/** The portal process from outside (/proc) and from the preloaded probe (heap after GC, handles, hub subscribers). */
async function portalState(bench: Bench): Promise<PortalState> {
  const pid = bench.portal.process.pid!;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const probe = (await (await fetch(`http://127.0.0.1:${bench.probePort}/`)).json()) as {
    heapUsed: number;
    handles: Record<string, number>;
    viewers: number | null;
  };
  return {
    rssMb: rssKb / 1024,
    fds,
    heapMb: probe.heapUsed / 1024 / 1024,
    sockets: probe.handles.TCPSocketWrap ?? 0,
    timers: probe.handles.Timeout ?? 0,
    viewers: probe.viewers,
  };
}

const STATE_HEADER = ["", "RSS", "heap after GC", "open fds", "TCP sockets", "timers", "hub subscribers"];
const stateRow = (label: string, state: PortalState) => [
  label,
  `${state.rssMb.toFixed(1)} MB`,
  `${state.heapMb.toFixed(1)} MB`,
  String(state.fds),
  String(state.sockets),
  String(state.timers),
  String(state.viewers ?? "?"),
];

// ───────────────────────────── the three benchmarks ─────────────────────────────

async function latencyBench(bench: Bench, options: { viewers: number[]; chunks: number; rate: number }) {
  console.log(`\nLatency runtime → receiver, /stream ${options.chunks} ${options.rate} (portal session and SDK baseline session streaming at the same time)`);
  const rows = [["viewers", "samples", "portal p50", "portal p99", "SDK p50", "SDK p99", "added p50", "added p99", "missing"]];
  const parts = [["viewers", "runtime→commit p50", "p99", "commit→viewer p50", "p99"]];
  for (const count of options.viewers) {
    const sessionId = await newPortalSession(bench, `latency ${count}`);
    await bench.viewers.open({ baseUrl: bench.portal.baseUrl, token: bench.api.token, sessionId, count });
    await sleep(500);
    await bench.portalReference.reset();
    await bench.sdkReference.reset();
    await bench.commits.watch(sessionId);
    const baseline = baselineStream(bench, options.chunks, options.rate);
    await bench.api.post(`/api/sessions/${sessionId}/prompt`, { text: `/stream ${options.chunks} ${options.rate}` });
    const report = await bench.viewers.collect({ chunks: options.chunks, timeoutMs: 60_000 + (options.chunks / options.rate) * 1000 });
    const sdkArrivals = await baseline;
    await bench.viewers.close();

    const portalReference = await bench.portalReference.arrivals();
    const sdkReference = await bench.sdkReference.arrivals();
    const commits = await bench.commits.arrivals();
    const portal = report.chunkArrivals.map((arrivals) => latencies(arrivals, portalReference));
    const portalValues = portal.flatMap((result) => result.values).sort((a, b) => a - b);
    const sdk = latencies(sdkArrivals, sdkReference);
    const sdkValues = sdk.values.sort((a, b) => a - b);
    const missing = portal.reduce((sum, result) => sum + result.missing, 0) + sdk.missing;
    const [p50, p99, s50, s99] = [percentile(portalValues, 50), percentile(portalValues, 99), percentile(sdkValues, 50), percentile(sdkValues, 99)];
    rows.push([String(count), String(portalValues.length), ms(p50), ms(p99), ms(s50), ms(s99), ms(p50 - s50), ms(p99 - s99), String(missing)]);

    // Where the portal's time goes: until the writer's transaction commits, and from there to the viewer.
    const toCommit: number[] = [];
    const fromCommit: number[] = [];
    report.chunkIndexes.forEach((index, i) => {
      const committed = commits.get(index);
      const fromRuntime = portalReference.get(i + 1);
      if (committed === undefined || fromRuntime === undefined) return;
      toCommit.push((committed - fromRuntime) / 1e6);
      for (const arrivals of report.chunkArrivals) if (arrivals[i]) fromCommit.push((arrivals[i] - committed) / 1e6);
    });
    toCommit.sort((a, b) => a - b);
    fromCommit.sort((a, b) => a - b);
    parts.push([String(count), ms(percentile(toCommit, 50)), ms(percentile(toCommit, 99)), ms(percentile(fromCommit, 50)), ms(percentile(fromCommit, 99))]);
  }
  printTable("Added latency", rows[0]!, rows.slice(1));
  printTable("Of which (commit = when a LISTEN connection of this bench got the writer's NOTIFY for the chunk's index)", parts[0]!, parts.slice(1));
  console.log("  (portal = chunk out of the runtime → EventSource viewer; SDK = chunk out of the runtime → onEvent of a standalone SDK client;");
  console.log("   added = portal − SDK at the same percentile; target: added < 5 ms p50 and < 25 ms p99 at 100 viewers)");
}

async function throughputBench(bench: Bench, options: { chunks: number; rate: number; viewers: number }) {
  console.log(`\nThroughput to ${options.viewers} viewers during /stream ${options.chunks} ${options.rate} (SDK baseline streaming the same at the same time)`);
  const sessionId = await newPortalSession(bench, "throughput");
  await bench.viewers.open({ baseUrl: bench.portal.baseUrl, token: bench.api.token, sessionId, count: options.viewers });
  await sleep(500);
  await bench.portalReference.reset();
  await bench.sdkReference.reset();
  const baseline = baselineStream(bench, options.chunks, options.rate);
  await bench.api.post(`/api/sessions/${sessionId}/prompt`, { text: `/stream ${options.chunks} ${options.rate}` });
  const timeoutMs = 120_000 + (options.chunks / options.rate) * 1000;
  await waitFor(
    () => bench.api.get(`/api/sessions/${sessionId}`),
    (session) => session.status === "idle",
    timeoutMs,
    200,
  );
  // The turn's last chunks can follow its end; wait until the count holds still (at most 15 s).
  let total = -1;
  for (const settleUntil = Date.now() + 15_000; Date.now() < settleUntil;) {
    const count = (await bench.api.get(`/api/sessions/${sessionId}`)).eventCount as number;
    if (count === total) break;
    total = count;
    await sleep(1_000);
  }
  const report = await bench.viewers.collect({ events: total, timeoutMs: 60_000 });
  const sdkArrivals = await baseline;
  await bench.viewers.close();

  const reference = [...(await bench.portalReference.arrivals()).values()];
  const lastFromRuntime = Math.max(...reference);
  const rate = (count: number, first: number, last: number) => (count / ((last - first) / 1e9)).toFixed(0);
  const sdkTimes = sdkArrivals.filter(Boolean);
  const rows = [["receiver", "chunks", "chunks/s", "events", "in order, once, 1 connection", "gap events", "last chunk behind runtime"]];
  rows.push(["runtime (reference reader)", String(reference.length), rate(reference.length, Math.min(...reference), lastFromRuntime), "-", "-", "-", "-"]);
  rows.push(["SDK onEvent (baseline)", String(sdkTimes.length), rate(sdkTimes.length, Math.min(...sdkTimes), Math.max(...sdkTimes)), "-", "-", "-", "-"]);
  let delivered = 0;
  let firstAll = Number.POSITIVE_INFINITY;
  let lastAll = 0;
  report.events.forEach((viewer, i) => {
    delivered += viewer.chunks;
    firstAll = Math.min(firstAll, viewer.chunkFirst);
    lastAll = Math.max(lastAll, viewer.chunkLast);
    const ok = viewer.inOrder && viewer.count === viewer.lastIndex && viewer.lastIndex >= total && viewer.opens === 1;
    rows.push([
      `viewer ${i + 1}`,
      String(viewer.chunks),
      rate(viewer.chunks, viewer.chunkFirst, viewer.chunkLast),
      String(viewer.count),
      ok ? "yes" : `NO (${viewer.opens} opens)`,
      String(viewer.gaps),
      ms((viewer.chunkLast - lastFromRuntime) / 1e6),
    ]);
  });
  rows.push([`all ${options.viewers} viewers`, String(delivered), rate(delivered, firstAll, lastAll), "-", "-", "-", "-"]);
  printTable("Per receiver", rows[0]!, rows.slice(1));
  console.log(`  (${options.chunks} chunks written by the agent; the portal session held ${total} events when counted. Chunks the runtime`);
  console.log("   dropped before any reader saw them are missing for every receiver; the portal records them as `gap` events)");

  // The same history replayed from the database to viewers joining at once (after=0).
  const replayStart = now();
  await bench.viewers.open({ baseUrl: bench.portal.baseUrl, token: bench.api.token, sessionId, count: options.viewers, after: 0 });
  const replay = await bench.viewers.collect({ events: total, timeoutMs: 300_000 });
  await bench.viewers.close();
  const replayEnd = Math.max(...replay.events.map((viewer) => viewer.last));
  const replayed = replay.events.reduce((sum, viewer) => sum + Math.min(viewer.count, total), 0);
  const replayComplete = replay.events.every((viewer) => viewer.inOrder && viewer.count >= total);
  console.log(
    `  backlog replay: ${options.viewers} viewers joining with after=0 got ${replayed} stored events in ${((replayEnd - replayStart) / 1e9).toFixed(2)} s = ${(replayed / ((replayEnd - replayStart) / 1e9)).toFixed(0)} events/s in all (${replayComplete ? "each complete and in order" : "INCOMPLETE"})`,
  );
}

async function memoryBench(bench: Bench, options: { idleViewers: number; cycles: number }) {
  console.log(
    `\nMemory and handles of the portal process (pid ${bench.portal.process.pid}: VmRSS and fds from /proc; heap after GC, handles and hub subscribers from bench/portal-probe.cjs)`,
  );
  const sessionId = await newPortalSession(bench, "memory");
  await bench.api.post(`/api/sessions/${sessionId}/prompt`, { text: "a short history for the viewers to replay" });
  await waitFor(
    () => bench.api.get(`/api/sessions/${sessionId}`),
    (session) => session.status === "idle",
    30_000,
    100,
  );
  const eventCount = (await bench.api.get(`/api/sessions/${sessionId}`)).eventCount as number;

  // Idle viewers: connected to an idle session, its short history received, nothing flowing.
  await bench.viewers.open({ baseUrl: bench.portal.baseUrl, token: bench.api.token, sessionId, count: 50 });
  await bench.viewers.close();
  await sleep(2_000);
  const before = await portalState(bench);
  await bench.viewers.open({ baseUrl: bench.portal.baseUrl, token: bench.api.token, sessionId, count: options.idleViewers });
  await bench.viewers.collect({ events: eventCount, timeoutMs: 60_000 });
  await sleep(2_000);
  const open = await portalState(bench);
  await bench.viewers.close();
  await sleep(1_000);
  const closed = await portalState(bench);
  printTable("Idle viewers", STATE_HEADER, [
    stateRow("before", before),
    stateRow(`${options.idleViewers} idle viewers open`, open),
    stateRow("all closed again (1 s later)", closed),
  ]);
  const per = (delta: number) => (delta * 1024) / options.idleViewers;
  console.log(
    `  per idle viewer: ${per(open.heapMb - before.heapMb).toFixed(1)} KB heap, ${per(open.rssMb - before.rssMb).toFixed(1)} KB RSS, ${((open.fds - before.fds) / options.idleViewers).toFixed(2)} fds, ${((open.timers - before.timers) / options.idleViewers).toFixed(2)} timers`,
  );

  // Connect, read the first bytes, disconnect — 10 at a time, like tabs being opened and closed.
  const cycle = async () => {
    const controller = new AbortController();
    const response = await httpFetch(`${bench.portal.baseUrl}/api/sessions/${sessionId}/stream?after=${eventCount - 3}`, {
      headers: { authorization: `Bearer ${bench.api.token}` },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let received = "";
    while (!received.includes(`id: ${eventCount}\n`)) {
      const { done, value } = await reader.read();
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
  };
  const cycles = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < count) {
          next += 1;
          await cycle();
        }
      }),
    );
  };
  await cycles(200);
  await sleep(1_000);
  const rows = [stateRow("after 200 warm-up cycles", await portalState(bench))];
  for (let round = 1; round <= 2; round += 1) {
    const started = Date.now();
    await cycles(options.cycles);
    const seconds = (Date.now() - started) / 1000;
    await sleep(1_000);
    rows.push(stateRow(`after ${options.cycles} more cycles (${seconds.toFixed(1)} s)`, await portalState(bench)));
  }
  printTable("Connect/disconnect cycles, 10 at a time", STATE_HEADER, rows);
}

// ───────────────────────────── main ─────────────────────────────

function option(name: string, fallback: string) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

async function main() {
  const modes = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith("--") && !all[i - 1]?.startsWith("--"));
  const run = (mode: string) => modes.length === 0 || modes.includes(mode);
  const viewerCounts = option("viewers", "1,10,100").split(",").map(Number);
  const bench = await setUp(Math.max(...viewerCounts, 10) > 10 ? 2 : 1);
  console.log(`bench/live.ts — ${os.cpus().length} CPUs, Node ${process.version}, portal ${bench.portal.baseUrl}, runtime ${bench.runtime.url}`);
  try {
    if (run("latency")) await latencyBench(bench, { viewers: viewerCounts, chunks: Number(option("chunks", "1000")), rate: Number(option("rate", "200")) });
    if (run("throughput")) {
      await throughputBench(bench, {
        chunks: Number(option("throughput-chunks", "100000")),
        rate: Number(option("throughput-rate", "2000")),
        viewers: Number(option("throughput-viewers", "10")),
      });
    }
    if (run("memory")) await memoryBench(bench, { idleViewers: Number(option("idle-viewers", "500")), cycles: Number(option("cycles", "1000")) });
  } finally {
    await bench.stop();
  }
}

if (process.argv.includes("--viewer-process")) await viewerProcess();
else if (process.argv.includes("--reference-process")) await referenceProcess();
else runBench("live", main);

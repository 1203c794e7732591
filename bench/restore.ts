// Restore latency (issue 4): from the runtime being back to the first agent event of the restored
// turn, through the real portal (kill the embedded runtime, wait for the new one, prompt the
// restorable session, watch its event stream), p50 over 20 restores — for a short session and for a
// 1,000,000-event session made with SQL and attached to the portal. Baseline in the same run: the
// SDK's own resumeSession path (it pages through every stored event, then re-scans them for its
// event index) on the same histories with a keyset driver, and the bare time to read them all.
//   node --conditions=react-server --import tsx bench/restore.ts   (or: npm run bench -- restore)
import { randomUUID } from "node:crypto";
import { EventSource } from "eventsource";
import pg from "pg";
import { SandboxAgent } from "sandbox-agent";
import { waitFor, waitForIdle, type Api } from "../tests/integration/harness";
import { KeysetHistoryDriver, createBaselineTables } from "./support/baseline-drivers";
import { onCleanup, runBench } from "./support/cleanup";
import { createBenchDatabase, insertSessionRow } from "./support/database";
import { startBenchPortal } from "./support/portal";
import { fmtInt, fmtMs, fmtRatio, median, note, percentile, printTable } from "./support/report";
import { spawnRuntime } from "./support/runtime";
import { fillSyntheticHistory } from "../tests/fixtures/synthetic-history";

const ROUNDS = 20;
const LONG_EVENTS = Number(process.env.BENCH_RESTORE_EVENTS ?? 1_000_000);
const SDK_SHORT_RUNS = 5;
const SDK_LONG_RUNS = 1;
// A quick turn whose first agent event is a message chunk.
const PROMPT = "/stream 3 1000";

type StreamedEvent = { index: number; sender: string; payload: { method?: string } };

/** Watches a session's SSE stream; resolves when the first agent update after a new prompt arrives. */
function watchForTurn(api: Api, sessionId: string, after: number) {
  const source = new EventSource(`${api.baseUrl}/api/sessions/${sessionId}/stream?after=${after}`, {
    fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${api.token}` } }),
  });
  let promptSeen = false;
  let resolveFirst: (at: number) => void = () => {};
  const firstAgentEvent = new Promise<number>((resolve) => (resolveFirst = resolve));
  source.addEventListener("event", (message) => {
    const event = JSON.parse(message.data) as StreamedEvent;
    if (event.sender === "client" && event.payload?.method === "session/prompt") promptSeen = true;
    else if (promptSeen && event.sender === "agent" && event.payload?.method === "session/update") resolveFirst(Date.now());
  });
  const opened = new Promise<void>((resolve, reject) => {
    source.addEventListener("open", () => resolve(), { once: true });
    source.addEventListener("error", (error) => reject(new Error(`stream error: ${error.message ?? "?"}`)), { once: true });
  });
  return { opened, firstAgentEvent, close: () => source.close() };
}

interface Measurement {
  /** Prompt sent → 202 (the restore runs inside the prompt request). */
  acceptedMs: number;
  /** Prompt sent → first agent event of the restored turn seen on the stream. */
  firstEventMs: number;
  /** Restored first after the runtime came back: the runtime also starts the agent process. */
  first: boolean;
}

async function promptAndMeasure(api: Api, sessionId: string, watcher: ReturnType<typeof watchForTurn>, first: boolean): Promise<Measurement> {
  const sent = Date.now();
  await api.post(`/api/sessions/${sessionId}/prompt`, { text: PROMPT });
  const accepted = Date.now();
  const firstAt = await Promise.race([
    watcher.firstAgentEvent,
    new Promise<number>((_, reject) => setTimeout(() => reject(new Error("no agent event within 30 s")), 30_000)),
  ]);
  return { acceptedMs: accepted - sent, firstEventMs: firstAt - sent, first };
}

async function portalRestores(api: Api, sessions: Array<{ label: string; id: string }>) {
  const results = new Map<string, Measurement[]>(sessions.map((session) => [session.id, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const watchers = new Map<string, ReturnType<typeof watchForTurn>>();
    for (const session of sessions) {
      const { eventCount } = await api.get(`/api/sessions/${session.id}`);
      const watcher = watchForTurn(api, session.id, eventCount);
      await watcher.opened;
      watchers.set(session.id, watcher);
    }
    const before = await api.get("/api/admin/runtime");
    process.kill(before.pid, "SIGKILL");
    await waitFor(
      () => api.get("/api/admin/runtime"),
      (info) => info.status === "ok" && info.pid !== before.pid,
      30_000,
      10,
    );
    // The runtime is back. Alternate which session is restored first so both see the fresh runtime.
    const order = round % 2 === 0 ? sessions : [...sessions].reverse();
    for (const session of order) {
      results.get(session.id)!.push(await promptAndMeasure(api, session.id, watchers.get(session.id)!, session === order[0]));
      await waitForIdle(api, session.id);
    }
    for (const watcher of watchers.values()) watcher.close();
    process.stdout.write(`  round ${round + 1}/${ROUNDS}: ${order.map((s) => `${s.label} ${results.get(s.id)!.at(-1)!.firstEventMs} ms`).join(", ")}\n`);
  }
  return results;
}

/** The SDK's own restore: a fresh SDK instance (as after a restart) resumes the session and prompts. */
async function sdkResume(runtime: { baseUrl: string; token: string }, pool: pg.Pool, portalSessionId: string) {
  const sdkSessionId = randomUUID();
  const driver = new KeysetHistoryDriver(pool, sdkSessionId, portalSessionId);
  const sdk = await SandboxAgent.connect({ baseUrl: runtime.baseUrl, token: runtime.token, persist: driver });
  try {
    const started = Date.now();
    const session = await sdk.resumeSession(sdkSessionId);
    const resumed = Date.now();
    let resolveFirst: (at: number) => void = () => {};
    const firstAgentEvent = new Promise<number>((resolve) => (resolveFirst = resolve));
    session.onEvent((event) => {
      if (event.sender === "agent" && (event.payload as { method?: string }).method === "session/update") resolveFirst(Date.now());
    });
    const prompted = session.prompt([{ type: "text", text: PROMPT }]);
    const first = await firstAgentEvent;
    await prompted;
    return { resumeMs: resumed - started, firstEventMs: first - started, reads: driver.reads };
  } finally {
    await sdk.dispose().catch(() => undefined);
  }
}

runBench("restore", async () => {
  console.log(`Restore latency: runtime killed and back → first agent event of the restored turn (${ROUNDS} restores per session)`);
  const database = await createBenchDatabase("restore");
  const { api, teamId } = await startBenchPortal(database.url);
  const me = await api.get("/api/me");

  const { body: created } = await api.request("POST", "/api/sessions", { teamId, agent: "demo" });
  const shortId = created.id as string;
  await api.post(`/api/sessions/${shortId}/prompt`, { text: "the first prompt is about kiwis" });
  await waitForIdle(api, shortId);

  const longId = randomUUID();
  await insertSessionRow(database.pool, { id: longId, teamId, userId: me.user.id, status: "restorable", title: "long history made with SQL" });
  await fillSyntheticHistory(database.pool, longId, LONG_EVENTS);

  const sessions = [
    { label: "short", id: shortId },
    { label: `${fmtInt(LONG_EVENTS)} events`, id: longId },
  ];
  const historyBefore = new Map<string, number>();
  for (const session of sessions) historyBefore.set(session.id, (await api.get(`/api/sessions/${session.id}`)).eventCount);
  const results = await portalRestores(api, sessions);

  // Baseline: the SDK's resumeSession on the same histories, with a runtime of our own.
  await createBaselineTables(database.pool);
  const baselinePool = new pg.Pool({ connectionString: database.url, max: 4 });
  onCleanup(() => baselinePool.end());
  const runtime = await spawnRuntime();
  const sdkShort: Array<Awaited<ReturnType<typeof sdkResume>>> = [];
  for (let run = 0; run < SDK_SHORT_RUNS; run += 1) sdkShort.push(await sdkResume(runtime, baselinePool, shortId));
  console.log(`  SDK resumeSession, short history: ${sdkShort.map((r) => `${r.firstEventMs} ms`).join(", ")}`);
  const sdkLong: Array<Awaited<ReturnType<typeof sdkResume>>> = [];
  for (let run = 0; run < SDK_LONG_RUNS; run += 1) {
    sdkLong.push(await sdkResume(runtime, baselinePool, longId));
    console.log(`  SDK resumeSession, ${fmtInt(LONG_EVENTS)} events: ${sdkLong.at(-1)!.firstEventMs} ms`);
  }

  const p50 = (values: Measurement[]) => median(values.map((v) => v.firstEventMs));
  const portalRow = (label: string, history: number, values: Measurement[]) => [
    `portal restore, ${label}`,
    fmtInt(history),
    String(values.length),
    fmtMs(median(values.map((v) => v.acceptedMs))),
    fmtMs(p50(values)),
    fmtMs(p50(values.filter((v) => v.first))),
    fmtMs(p50(values.filter((v) => !v.first))),
    fmtMs(
      percentile(
        values.map((v) => v.firstEventMs),
        90,
      ),
    ),
    fmtMs(Math.max(...values.map((v) => v.firstEventMs))),
  ];
  const sdkRow = (label: string, history: number, values: Array<Awaited<ReturnType<typeof sdkResume>>>) => [
    `baseline SDK resumeSession, ${label}`,
    fmtInt(history),
    String(values.length),
    fmtMs(median(values.map((v) => v.resumeMs))),
    fmtMs(median(values.map((v) => v.firstEventMs))),
    fmtMs(median(values.map((v) => v.firstEventMs))),
    "n/a",
    fmtMs(
      percentile(
        values.map((v) => v.firstEventMs),
        90,
      ),
    ),
    fmtMs(Math.max(...values.map((v) => v.firstEventMs))),
  ];
  const shortMs = p50(results.get(shortId)!);
  const longMs = p50(results.get(longId)!);
  const sdkLongMs = median(sdkLong.map((v) => v.firstEventMs));
  const longReads = sdkLong[0]!.reads;
  const resumeRead = longReads.get(100) ?? { pages: 0, events: 0, ms: Number.NaN };
  const indexRead = longReads.get(500) ?? { pages: 0, events: 0, ms: Number.NaN };
  printTable(
    "Restore: prompt sent right after the runtime is back → first agent event of the restored turn",
    ["path", "history events", "restores", "restore done p50", "first event p50", "restored 1st", "restored 2nd", "p90", "max"],
    [
      portalRow("short session", historyBefore.get(shortId)!, results.get(shortId)!),
      portalRow("long session", historyBefore.get(longId)!, results.get(longId)!),
      sdkRow("short session", historyBefore.get(shortId)!, sdkShort),
      sdkRow("long session", historyBefore.get(longId)!, sdkLong),
    ],
  );
  printTable(
    `Inside the SDK's resumeSession on the long session: reading the stored history (keyset driver)`,
    ["read", "pages", "events", "time"],
    [
      [
        "resumeSession: every event, 100 a page, to pick the last 50 (lower bound of its restore)",
        fmtInt(resumeRead.pages),
        fmtInt(resumeRead.events),
        fmtMs(resumeRead.ms),
      ],
      ["first event: every event again, 500 a page, to seed its event index", fmtInt(indexRead.pages), fmtInt(indexRead.events), fmtMs(indexRead.ms)],
    ],
  );
  printTable(
    "Ratios (first event, p50)",
    ["comparison", "ratio"],
    [
      [`portal: long / short (target ≈ 1)`, fmtRatio(longMs / shortMs)],
      [`long history: SDK resumeSession / portal`, fmtRatio(sdkLongMs / longMs)],
      [`long history: SDK's history read alone / portal restore`, fmtRatio(resumeRead.ms / longMs)],
    ],
  );
  note(
    `Target: p50 under 1 s → short ${shortMs < 1000 ? "met" : "NOT met"} (${fmtMs(shortMs)}), long ${longMs < 1000 ? "met" : "NOT met"} (${fmtMs(longMs)}).`,
  );
  note(`"restore done" = prompt request answered (the portal restores inside it) / resumeSession returned (SDK). The portal's prompt carries a`);
  note("seed built from the last messages (lib/sessions/seed.ts); the SDK's carries its replay of the last 50 events.");
  note("restored 1st / 2nd: each round restores both sessions, alternating which goes first; the first also waits for the runtime to start");
  note("the agent process (every fresh SDK instance of the baseline does too). 2-core machine shared with other work: figures vary between runs.");
});

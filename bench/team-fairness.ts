// One team's burst and another team's prompt (issue 18): team B's prompt round trip — POST of a
// prompt → the agent's first message chunk readable through the events API, as a script polling the
// portal sees it — while team A runs five /burst turns at once (five sessions, each its own bwrap
// sandbox), against the same round trip with team A quiet (the baseline), alternating quiet and
// loaded rounds so both see the same machine. Target: loaded p50 ≤ 2× quiet p50.
// The real portal (`next start`, bwrap sandboxes with their limits), the real runtime and demo agent.
//   node --conditions=react-server --import tsx bench/team-fairness.ts   (or: npm run bench -- team-fairness)
//   BENCH_FAIRNESS_BURST (25000 chunks per burst), BENCH_FAIRNESS_ROUNDS (3), BENCH_FAIRNESS_PROMPTS (10 per round and phase)
import os from "node:os";
import { waitFor, waitForIdle, type Api } from "../tests/integration/harness";
import { createDemoSession, createMember, createTeam } from "../tests/integration/session-api-helpers";
import { runBench } from "./support/cleanup";
import { createBenchDatabase } from "./support/database";
import { startBenchPortal } from "./support/portal";
import { fmtMs, fmtRatio, note, percentile, printTable, sleep } from "./support/report";

const BURST = Number(process.env.BENCH_FAIRNESS_BURST ?? 25_000);
const ROUNDS = Number(process.env.BENCH_FAIRNESS_ROUNDS ?? 3);
const PROMPTS = Number(process.env.BENCH_FAIRNESS_PROMPTS ?? 10);
const BURSTING_SESSIONS = 5;

// Per session: the index of the newest event seen, so each poll reads only what is new.
const cursors = new Map<string, number>();

/** The index of the session's newest event. */
async function lastIndex(api: Api, sessionId: string): Promise<number> {
  let after = cursors.get(sessionId) ?? 0;
  for (;;) {
    const page = await api.get(`/api/sessions/${sessionId}/events?after=${after}&limit=500`);
    if (page.items.length > 0) after = page.items.at(-1).index;
    if (!page.nextCursor) break;
  }
  cursors.set(sessionId, after);
  return after;
}

// Where each round trip went, per prompt (ms after it was sent): its POST answered; the portal handing
// the prompt to the sandbox's runtime (the `session/prompt` event's time, the SDK's clock, which is this
// host's); the portal receiving the agent's first chunk (that event's time); and the bench reading it.
interface Phases {
  answered: number;
  dispatched: number;
  received: number;
  read: number;
}
type Event = { sender?: string; createdAt?: string; payload?: { method?: string; params?: { update?: { sessionUpdate?: string } } } };

/** Prompt → the first agent message chunk after it, polled through the events API every 5 ms. */
async function roundTrip(api: Api, sessionId: string): Promise<Phases> {
  let after = await lastIndex(api, sessionId);
  const wallStart = Date.now();
  const started = performance.now();
  await api.post(`/api/sessions/${sessionId}/prompt`, { text: "hello" });
  const answered = performance.now() - started;
  let dispatched = Number.NaN;
  for (;;) {
    const page = await api.get(`/api/sessions/${sessionId}/events?after=${after}&limit=500`);
    const items = page.items as Event[];
    const prompt = items.find((event) => event.sender === "client" && event.payload?.method === "session/prompt");
    if (prompt?.createdAt) dispatched = Date.parse(prompt.createdAt) - wallStart;
    const chunk = items.find((event) => event.payload?.params?.update?.sessionUpdate === "agent_message_chunk");
    if (chunk) {
      const read = performance.now() - started;
      await waitForIdle(api, sessionId, 120_000);
      return { answered, dispatched, received: Date.parse(chunk.createdAt!) - wallStart, read };
    }
    if (page.items.length > 0) after = page.items.at(-1).index;
    await sleep(5);
  }
}

runBench("team-fairness", async () => {
  const database = await createBenchDatabase("fairness");
  const { portal, api: teamA, teamId } = await startBenchPortal(database.url, { PORTAL_SANDBOX: "bwrap" });
  const teamBId = await createTeam(database.url, "Team B");
  const teamB = await createMember(portal.baseUrl, database.url, { teamId: teamBId, role: "member" });
  const quietSession = await createDemoSession(teamB, teamBId);
  const bursting = await Promise.all(Array.from({ length: BURSTING_SESSIONS }, () => createDemoSession(teamA, teamId)));
  note(
    `${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}; portal ${portal.baseUrl}, bwrap sandboxes`,
  );
  // Warm: each sandbox's agent started, the portal's routes compiled into memory.
  await roundTrip(teamB, quietSession.id);
  await Promise.all(bursting.map((session) => roundTrip(teamA, session.id)));

  const quiet: Phases[] = [];
  const loaded: Phases[] = [];
  let burstSeconds = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < PROMPTS; i++) quiet.push(await roundTrip(teamB, quietSession.id));
    const burstStart = performance.now();
    await Promise.all(bursting.map((session) => teamA.post(`/api/sessions/${session.id}/prompt`, { text: `/burst ${BURST}` })));
    // One watcher for team A's five turns, every half second, as a dashboard would: five of the harness's
    // waitForIdle (each session every 100 ms) were 50 requests a second of the bench's own, at ~11 ms of the
    // portal's CPU each — over half a core of load that was not team A's bursts.
    const bursts = waitFor(
      () => teamA.get(`/api/sessions?teamId=${teamId}&status=running&limit=50`),
      (page) => page.items.length === 0,
      600_000,
      500,
    ).then(() => (burstSeconds += (performance.now() - burstStart) / 1000));
    let stillBursting = true;
    void bursts.then(() => (stillBursting = false));
    // Team B's prompts while team A's turns run; one that starts after they ended does not count.
    for (let i = 0; i < PROMPTS && stillBursting; i++) {
      const phases = await roundTrip(teamB, quietSession.id);
      if (!stillBursting) break;
      loaded.push(phases);
    }
    await bursts;
  }

  const p50 = (values: Phases[], phase: (each: Phases) => number) => fmtMs(percentile(values.map(phase), 50));
  const row = (label: string, values: Phases[]) => [
    label,
    String(values.length),
    p50(values, (each) => each.read),
    fmtMs(
      percentile(
        values.map((each) => each.read),
        90,
      ),
    ),
    fmtMs(Math.max(...values.map((each) => each.read))),
    p50(values, (each) => each.answered),
    p50(values, (each) => each.dispatched),
    p50(values, (each) => each.received - each.dispatched),
    p50(values, (each) => each.read - each.received),
  ];
  printTable(
    `team B: prompt → first message chunk (polled), team A quiet vs running ${BURSTING_SESSIONS} × /burst ${BURST} at once, ${ROUNDS} rounds`,
    ["team A", "prompts", "p50", "p90", "max", "POST answered", "→ runtime", "sandbox", "→ read"],
    [row("quiet (baseline)", quiet), row(`${BURSTING_SESSIONS} bursts running`, loaded)],
  );
  note(
    "phases, p50 each: the POST answered; the prompt handed to the runtime; from there to the portal receiving the chunk; from there to the bench reading it",
  );
  const ratio =
    percentile(
      loaded.map((each) => each.read),
      50,
    ) /
    percentile(
      quiet.map((each) => each.read),
      50,
    );
  note(
    `loaded / quiet p50: ${fmtRatio(ratio)} (target ≤ 2×); team A's ${BURSTING_SESSIONS} bursts took ${(burstSeconds / ROUNDS).toFixed(1)} s a round; load average ${os.loadavg()[0]!.toFixed(2)} at the end`,
  );
});

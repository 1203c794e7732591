// Sandboxes (issue 11): what a sandbox of its own costs a new session. Through the real portal:
//  - session create → first agent event of its first prompt, p50/p99 over 50 sessions, each in a new
//    bwrap sandbox, against the shared runtime of PORTAL_SANDBOX=local (the baseline: no jail, no new
//    runtime process) in the same run. Target: bwrap within 1.5× of the baseline.
//  - memory per idle running sandbox (RSS of its jail's processes), and the time to bring back the
//    session of an idle-stopped sandbox (prompt → first agent event, restore included).
//   node --conditions=react-server --import tsx bench/sandboxes.ts   (or: npm run bench -- sandboxes)
import { allEvents, waitFor, waitForIdle, type Api } from "../tests/integration/harness";
import { runBench } from "./support/cleanup";
import { createBenchDatabase } from "./support/database";
import { startBenchPortal } from "./support/portal";
import { treeRssKb } from "./support/processes";
import { fmtMs, fmtRatio, note, percentile, printTable } from "./support/report";

const SESSIONS = Number(process.env.BENCH_SANDBOX_SESSIONS ?? 50);
const RESTORES = 10;

type Events = Awaited<ReturnType<typeof allEvents>>;

/** An agent update after a prompt, among the events after `from`. */
function agentAnsweredPrompt(events: Events, from = 0): boolean {
  const prompt = events.findIndex((e, i) => i >= from && e.payload?.method === "session/prompt");
  return prompt !== -1 && events.some((e, i) => i > prompt && e.sender === "agent" && e.payload?.method === "session/update");
}

async function firstAgentEventAfterPrompt(api: Api, sessionId: string, from = 0): Promise<void> {
  await waitFor(
    () => allEvents(api, sessionId),
    (events) => agentAnsweredPrompt(events, from),
    30_000,
    5,
  );
}

/** Session create → its first prompt's first agent event, as a script would see it. */
async function newSessionToFirstEvent(api: Api, teamId: string) {
  const started = performance.now();
  const session = await api.post("/api/sessions", { teamId, agent: "demo" });
  await api.post(`/api/sessions/${session.id}/prompt`, { text: "hello" });
  await firstAgentEventAfterPrompt(api, session.id);
  const ms = performance.now() - started;
  await waitForIdle(api, session.id);
  return { ms, session };
}

async function openProvider(provider: "bwrap" | "local") {
  const database = await createBenchDatabase(`sandboxes_${provider}`);
  const { api, teamId } = await startBenchPortal(database.url, { PORTAL_SANDBOX: provider });
  await newSessionToFirstEvent(api, teamId); // warm: the agent list, Next's route compilation
  return { api, teamId, times: [] as number[], sessions: [] as Array<{ id: string; sandboxId: string }> };
}

runBench("sandboxes", async () => {
  const local = await openProvider("local");
  const bwrap = await openProvider("bwrap");
  // Interleaved, so both see the same machine (load here comes and goes).
  for (let i = 0; i < SESSIONS; i += 1) {
    for (const run of [local, bwrap]) {
      const { ms, session } = await newSessionToFirstEvent(run.api, run.teamId);
      run.times.push(ms);
      run.sessions.push(session);
    }
  }
  const row = (label: string, values: number[]) => [label, fmtMs(percentile(values, 50)), fmtMs(percentile(values, 99))];
  printTable(
    `session create → first agent event, ${SESSIONS} sessions`,
    ["runtime", "p50", "p99"],
    [row("shared runtime (local, baseline)", local.times), row("new bwrap sandbox each", bwrap.times)],
  );
  note(
    `bwrap / shared: p50 ${fmtRatio(percentile(bwrap.times, 50) / percentile(local.times, 50))}, p99 ${fmtRatio(percentile(bwrap.times, 99) / percentile(local.times, 99))} (target ≤ 1.5×)`,
  );

  // Memory: every sandbox of the bwrap run is idle and running now.
  const overview = await bwrap.api.get("/api/admin/runtime");
  const jails = (overview.sandboxes as Array<{ pid?: number }>).filter((s) => s.pid);
  const rss = jails.map((s) => treeRssKb(s.pid!));
  note(
    `memory per idle running sandbox (RSS of its jail: bwrap, init, runtime, agent): median ${(percentile(rss, 50) / 1024).toFixed(1)} MiB over ${rss.length}`,
  );

  // Restore of an idle-stopped sandbox's session: stop it, then prompt.
  const restores: number[] = [];
  for (const session of bwrap.sessions.slice(0, RESTORES)) {
    await bwrap.api.post(`/api/sandboxes/${session.sandboxId}/stop`);
    await waitFor(
      () => bwrap.api.get(`/api/sessions/${session.id}`),
      (s) => s.status === "restorable",
      15_000,
    );
    const before = (await allEvents(bwrap.api, session.id)).length;
    const started = performance.now();
    await bwrap.api.post(`/api/sessions/${session.id}/prompt`, { text: "back again" });
    await firstAgentEventAfterPrompt(bwrap.api, session.id, before);
    restores.push(performance.now() - started);
    await waitForIdle(bwrap.api, session.id);
  }
  note(
    `stopped sandbox → its session's first agent event (jail start + restore): p50 ${fmtMs(percentile(restores, 50))}, max ${fmtMs(Math.max(...restores))} over ${restores.length}`,
  );
});

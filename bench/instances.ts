// Commands across portal instances (issue 10): what it costs when a request reaches an instance
// that does not own the session, so the command travels through PostgreSQL to the owner and its
// answer comes back (lib/cluster/commands.ts). Two real portals on one database and one external
// runtime; the same session is prompted (→ 202) and renamed (→ 200) through its owner (baseline,
// in the same run) and through the other instance, alternating, ROUNDS times each.
//   node --conditions=react-server --import tsx bench/instances.ts   (or: npm run bench -- instances)
import { randomBytes } from "node:crypto";
import { waitForIdle, type Api } from "../tests/integration/harness";
import { runBench } from "./support/cleanup";
import { createBenchDatabase } from "./support/database";
import { startBenchPortal } from "./support/portal";
import { fmtMs, fmtRatio, median, note, percentile, printTable } from "./support/report";
import { spawnRuntime } from "./support/runtime";

const ROUNDS = Number(process.env.BENCH_INSTANCES_ROUNDS ?? 40);

async function timed(run: () => Promise<{ status: number }>, expected: number) {
  const started = performance.now();
  const { status } = await run();
  const ms = performance.now() - started;
  if (status !== expected) throw new Error(`expected ${expected}, got ${status}`);
  return ms;
}

runBench("instances", async () => {
  console.log(`Commands through the owner vs through another instance (${ROUNDS} of each, alternating)`);
  const database = await createBenchDatabase("instances");
  const runtime = await spawnRuntime();
  const env = { SANDBOX_AGENT_URL: runtime.baseUrl, SANDBOX_AGENT_TOKEN: runtime.token, NEXTAUTH_SECRET: randomBytes(32).toString("hex") };
  const owner = await startBenchPortal(database.url, env);
  const other = await startBenchPortal(database.url, env);
  const { body: session } = await owner.api.request("POST", "/api/sessions", { teamId: owner.teamId, agent: "demo" });

  const through: Record<"owner" | "other", { prompt: number[]; rename: number[] }> = { owner: { prompt: [], rename: [] }, other: { prompt: [], rename: [] } };
  const apis: Record<"owner" | "other", Api> = { owner: owner.api, other: other.api };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const side of round % 2 === 0 ? (["owner", "other"] as const) : (["other", "owner"] as const)) {
      const api = apis[side];
      through[side].prompt.push(await timed(() => api.request("POST", `/api/sessions/${session.id}/prompt`, { text: `round ${round}` }), 202));
      await waitForIdle(owner.api, session.id);
      through[side].rename.push(await timed(() => api.request("PATCH", `/api/sessions/${session.id}`, { title: `round ${round} ${side}` }), 200));
    }
  }

  const row = (label: string, values: number[], baseline: number[]) => [
    label,
    fmtMs(median(values)),
    fmtMs(percentile(values, 99)),
    fmtRatio(median(values) / median(baseline)),
  ];
  printTable(
    "Request → answer (ms)",
    ["command", "p50", "p99", "p50 vs owner"],
    [
      row("prompt via owner (baseline)", through.owner.prompt, through.owner.prompt),
      row("prompt via other instance", through.other.prompt, through.owner.prompt),
      row("rename via owner (baseline)", through.owner.rename, through.owner.rename),
      row("rename via other instance", through.other.rename, through.owner.rename),
    ],
  );
  note(
    "A forwarded command adds: the caller's INSERT + NOTIFY (one statement), the owner's claim UPDATE, its re-read of the session, its answer UPDATE + NOTIFY (one statement, the answer in the payload), and the caller's re-read of the session.",
  );
});

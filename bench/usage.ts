// The Usage page's reads (issue 20): each grouping of GET /api/teams/:teamId/usage (by day, member,
// session, model) through the portal's own code (lib/usage/usage.ts usageReport, reading the daily
// roll-up a trigger keeps beside model_calls), against the same aggregate straight over the raw
// model_calls table (the baseline), over 1,000,000 recorded model calls of one team (100 members,
// 10,000 sessions, 4 models, the last 30 days). Also: what the roll-up trigger adds to each recorded call.
//   node --conditions=react-server --import tsx bench/usage.ts   (or: npm run bench -- usage)
import type pg from "pg";
import type { UsageGrouping } from "@/lib/contract/usage";
import { usageReport } from "@/lib/usage/usage";
import { runBench } from "./support/cleanup";
import { createBenchDatabase } from "./support/database";
import { fmtInt, fmtMs, fmtRatio, median, note, percentile, printTable } from "./support/report";

const CALLS = Number(process.env.BENCH_USAGE_CALLS ?? 1_000_000);
const MEMBERS = 100;
const SESSIONS = 10_000;
const DAYS = 30;
const PORTAL_SAMPLES = 30;
const BASELINE_SAMPLES = 7;
const GROUPINGS: UsageGrouping[] = ["day", "user", "session", "model"];
const LIMIT = 1_000;
const TEAM = "bench-usage-team";

// The raw-table aggregate per grouping: the same figures, keys and order as the portal's report.
const SUMS = `count(*)::int AS calls, sum(input_tokens)::bigint AS input, sum(output_tokens)::bigint AS output,
  sum(cache_read_tokens)::bigint AS cache_read, sum(cache_write_tokens)::bigint AS cache_write, sum(cost_usd) AS cost`;
const BASELINE_SQL: Record<UsageGrouping, string> = {
  day: `SELECT to_char(date_trunc('day', c.at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS key, ${SUMS}
        FROM model_calls c WHERE c.team_id = $1 AND c.at >= $2 AND c.at < $3 GROUP BY 1 ORDER BY 1 LIMIT ${LIMIT}`,
  user: `SELECT c.user_id AS key, min(u.name) AS label, ${SUMS}
         FROM model_calls c LEFT JOIN users u ON u.id = c.user_id WHERE c.team_id = $1 AND c.at >= $2 AND c.at < $3
         GROUP BY c.user_id ORDER BY cost DESC NULLS LAST, calls DESC, key LIMIT ${LIMIT}`,
  session: `SELECT c.session_id AS key, min(s.title) AS label, ${SUMS}
            FROM model_calls c LEFT JOIN sessions s ON s.id = c.session_id WHERE c.team_id = $1 AND c.at >= $2 AND c.at < $3
            GROUP BY c.session_id ORDER BY cost DESC NULLS LAST, calls DESC, key LIMIT ${LIMIT}`,
  model: `SELECT c.model AS key, ${SUMS} FROM model_calls c WHERE c.team_id = $1 AND c.at >= $2 AND c.at < $3
          GROUP BY c.model ORDER BY cost DESC NULLS LAST, calls DESC, key LIMIT ${LIMIT}`,
};

async function time(fn: () => Promise<unknown>) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function generate(pool: pg.Pool) {
  await pool.query(`INSERT INTO teams (id, name) VALUES ($1, 'Bench usage')`, [TEAM]);
  await pool.query(
    `INSERT INTO users (id, email, name, password_hash) SELECT 'bu-' || n, 'bu-' || n || '@bench.test', 'Member ' || n, 'x' FROM generate_series(0, $1 - 1) n`,
    [MEMBERS],
  );
  await pool.query(`INSERT INTO memberships (team_id, user_id, role) SELECT $1, 'bu-' || n, 'member' FROM generate_series(0, $2 - 1) n`, [TEAM, MEMBERS]);
  await pool.query(
    `INSERT INTO sessions (id, team_id, created_by, title, agent) SELECT 'bs-' || n, $1, 'bu-' || (n % $2), 'Session ' || n, 'claude' FROM generate_series(0, $3 - 1) n`,
    [TEAM, MEMBERS, SESSIONS],
  );
  // Each session belongs to one member and mostly one model; its calls fall on two days in the last 30;
  // one call in ten goes to a small model (title, summary); one in fifty has no known price.
  const calls = `
    INSERT INTO model_calls (id, team_id, session_id, user_id, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, status, duration_ms, cost_usd, at)
    SELECT 'call-' || g, $1, 'bs-' || s, 'bu-' || (s % ${MEMBERS}),
           CASE WHEN s % 4 < 2 THEN 'anthropic' ELSE 'openai' END,
           CASE WHEN g % 10 = 0 THEN 'claude-haiku-4-5' ELSE (ARRAY['claude-sonnet-4-5', 'claude-opus-4-1', 'gpt-5', 'gpt-5-codex'])[1 + s % 4] END,
           1000 + g % 7000, 50 + g % 1500, (g % 5) * 2000, g % 300, 200, 400 + g % 9000,
           CASE WHEN g % 50 = 0 THEN NULL ELSE round(((1000 + g % 7000) * 3 + (50 + g % 1500) * 15) / 1e6::numeric, 6) END,
           now() - make_interval(days => (s % ${DAYS - 1}) + (g / ${SESSIONS}) % 2, secs => g % 3600)
    FROM (SELECT g, g % ${SESSIONS} AS s FROM generate_series($2::int, $3::int) g) x`;
  // Bulk-loaded with the trigger off, then rolled up once, as the migration's backfill does.
  await pool.query(`ALTER TABLE model_calls DISABLE TRIGGER model_calls_roll_up`);
  for (let from = 0; from < CALLS; from += 250_000) await pool.query(calls, [TEAM, from, Math.min(CALLS, from + 250_000) - 1]);
  await pool.query(`ALTER TABLE model_calls ENABLE TRIGGER model_calls_roll_up`);
  await pool.query(`
    INSERT INTO model_usage_days (team_id, day, user_id, session_id, provider, model, calls, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, priced_calls)
    SELECT team_id, date_trunc('day', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', COALESCE(user_id, ''), COALESCE(session_id, ''), provider, model,
           count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens), COALESCE(sum(cost_usd), 0), count(cost_usd)
    FROM model_calls GROUP BY 1, 2, 3, 4, 5, 6`);
  await pool.query("VACUUM ANALYZE model_calls");
  await pool.query("VACUUM ANALYZE model_usage_days");
}

/** What one recorded call costs with the roll-up trigger, against the same inserts with it off. */
async function triggerCost(pool: pg.Pool) {
  const insert = (prefix: string) =>
    pool.query(
      `INSERT INTO model_calls (id, team_id, session_id, user_id, provider, model, input_tokens, output_tokens, status, duration_ms, cost_usd)
       VALUES ($1, $2, 'bs-' || ($3::int % ${SESSIONS}), 'bu-' || ($3::int % ${MEMBERS}), 'anthropic', 'claude-sonnet-4-5', 1200, 300, 200, 900, 0.0081)`,
      [`${prefix}-${Math.random().toString(36).slice(2)}`, TEAM, Math.floor(Math.random() * SESSIONS)],
    );
  const samples = { on: [] as number[], off: [] as number[] };
  for (let round = 0; round < 4; round += 1) {
    for (let i = 0; i < 250; i += 1) samples.on.push(await time(() => insert("on")));
    await pool.query(`ALTER TABLE model_calls DISABLE TRIGGER model_calls_roll_up`);
    for (let i = 0; i < 250; i += 1) samples.off.push(await time(() => insert("off")));
    await pool.query(`ALTER TABLE model_calls ENABLE TRIGGER model_calls_roll_up`);
  }
  // The trigger-off rows are not in the roll-up: take them out again so both sides count the same calls.
  await pool.query(`DELETE FROM model_calls WHERE id LIKE 'off-%'`);
  return samples;
}

runBench("usage", async () => {
  console.log(`Usage report: ${fmtInt(CALLS)} model calls of one team (${MEMBERS} members, ${fmtInt(SESSIONS)} sessions, 5 models, ${DAYS} days)`);
  const database = await createBenchDatabase("usage");
  const generated = await time(() => generate(database.pool));
  const sizes = await database.pool.query<{ calls: string; days: string }>(
    `SELECT (SELECT count(*) FROM model_calls) AS calls, (SELECT count(*) FROM model_usage_days) AS days`,
  );
  note(
    `generated in ${(generated / 1000).toFixed(1)} s: ${fmtInt(Number(sizes.rows[0]!.calls))} model_calls rows, ${fmtInt(Number(sizes.rows[0]!.days))} model_usage_days rows`,
  );

  const inserts = await triggerCost(database.pool);

  const today = new Date();
  const to = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const from = new Date(to.getTime() - DAYS * 86_400_000);
  const until = new Date(to.getTime() + 86_400_000);

  // Both paths answer the same question.
  for (const groupBy of GROUPINGS) {
    const portal = await usageReport({ teamId: TEAM, from, to, groupBy, limit: LIMIT });
    const raw = (await database.pool.query(BASELINE_SQL[groupBy], [TEAM, from, until])).rows;
    const rawCalls = raw.reduce((sum, row) => sum + Number(row.calls), 0);
    const portalCalls = portal.items.reduce((sum, item) => sum + item.calls, 0);
    const sameKeys = portal.items.slice(0, 20).every((item, i) => item.key === raw[i]?.key);
    if (portal.items.length !== raw.length || portalCalls !== rawCalls || !sameKeys) {
      throw new Error(
        `${groupBy}: the report (${portal.items.length} groups, ${portalCalls} calls) and the raw aggregate (${raw.length} groups, ${rawCalls} calls) differ`,
      );
    }
  }
  const total = await usageReport({ teamId: TEAM, from, to, groupBy: "model", limit: LIMIT });
  note(`checked: each grouping's groups, keys and call counts match the raw aggregate (${fmtInt(total.total.calls)} calls in range)`);

  const rows: string[][] = [];
  const ratios: string[][] = [];
  for (const groupBy of GROUPINGS) {
    const portal: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < 3; i += 1) await usageReport({ teamId: TEAM, from, to, groupBy, limit: LIMIT });
    await database.pool.query(BASELINE_SQL[groupBy], [TEAM, from, until]);
    // Interleaved, so background load hits both alike.
    for (let i = 0; i < PORTAL_SAMPLES; i += 1) {
      portal.push(await time(() => usageReport({ teamId: TEAM, from, to, groupBy, limit: LIMIT })));
      if (i % Math.ceil(PORTAL_SAMPLES / BASELINE_SAMPLES) === 0)
        baseline.push(await time(() => database.pool.query(BASELINE_SQL[groupBy], [TEAM, from, until])));
    }
    rows.push([`by ${groupBy}`, "portal (roll-up, usageReport)", fmtMs(median(portal)), fmtMs(percentile(portal, 90)), String(portal.length)]);
    rows.push([`by ${groupBy}`, "baseline (raw model_calls)", fmtMs(median(baseline)), fmtMs(percentile(baseline, 90)), String(baseline.length)]);
    ratios.push([`by ${groupBy}`, fmtRatio(median(baseline) / median(portal)), median(portal) <= 100 ? "yes" : "no"]);
  }
  printTable(
    `Usage report over ${DAYS} days, ${fmtInt(CALLS)} calls (top ${LIMIT} groups + total)`,
    ["grouping", "read path", "p50", "p90", "samples"],
    rows,
    "llrrr",
  );
  printTable("Ratios", ["grouping", "baseline p50 / portal p50", "portal p50 ≤ 100 ms"], ratios);
  printTable(
    "Recording one call (single-row INSERT into model_calls, round trip included)",
    ["", "p50", "p99", "samples"],
    [
      ["with the roll-up trigger", fmtMs(median(inserts.on)), fmtMs(percentile(inserts.on, 99)), String(inserts.on.length)],
      ["trigger off (baseline)", fmtMs(median(inserts.off)), fmtMs(percentile(inserts.off, 99)), String(inserts.off.length)],
    ],
  );
  note("The portal's times include Prisma's row mapping and the total's second query (run in parallel); the baseline is one pg query.");
});

// Session search latency: the portal's list query with `q` (lib/sessions/search-sql.ts, the exact SQL
// the portal runs) over 1,000 sessions / 1,000,000 events, against an unindexed ILIKE scan of the
// same merged message text as the baseline, in the same run.
//
//   node_modules/.bin/tsx bench/search.ts
//
// The history is generated with SQL (generate_series) in a throwaway database on the machine's
// PostgreSQL (TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres), shaped as the
// writer stores it: per turn of 25 events a session/prompt, a thought chunk, 20 agent_message_chunks,
// a usage_update, the prompt's response and a portal turn_ended; and per turn two `messages` rows
// (the user prompt, and the agent's 20 chunks merged). The database is dropped at the end.

import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { sessionListSql } from "@/lib/sessions/search-sql";

const SESSIONS = 1_000;
const TURNS = 40;
const EVENTS_PER_TURN = 25; // 1,000 events per session, 1,000,000 in all
const CHUNKS_PER_TURN = 20;
const PAGE = 50;
const INDEXED_RUNS = 40;
const BASELINE_RUNS = 5;

const SERVER_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const ROOT = path.resolve(import.meta.dirname, "..");

interface Query {
  name: string;
  q: string;
  /** Sessions the query should find (checked, so both variants answer the same question). */
  expect?: number;
  /** Read the second page (keyset after the first page's last row). */
  secondPage?: boolean;
}

// Needles planted in the generated text; vocabulary words are 'a'–'p' letters only, so these never occur by chance.
const QUERIES: Query[] = [
  { name: "rare word (1 session)", q: "zebraquartz", expect: 1 },
  { name: "two words (10 sessions)", q: "violet lighthouse", expect: 10 },
  { name: "uncommon word (50 sessions)", q: "amberfalcon", expect: 50 },
  { name: "common word (most sessions)", q: "" /* filled with the most frequent vocabulary word */ },
  { name: "common word, 2nd page (keyset)", q: "", secondPage: true },
  { name: "title word (20 sessions)", q: "quarterly", expect: 20 },
  { name: "no match", q: "nothingmatchesthis", expect: 0 },
];

function percentile(sorted: number[], p: number) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await fn();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

async function migrate(client: pg.Client) {
  const dir = path.join(ROOT, "prisma", "migrations");
  for (const name of readdirSync(dir).sort()) {
    await client.query(readFileSync(path.join(dir, name, "migration.sql"), "utf8"));
  }
}

async function generate(client: pg.Client) {
  const query = client.query.bind(client) as (text: string, values?: unknown[]) => Promise<unknown>;
  client = {
    query: async (text: string, values?: unknown[]) => {
      const started = Date.now();
      const result = await query(text, values);
      if (process.env.BENCH_VERBOSE) console.error(`  ${Date.now() - started} ms  ${text.replace(/\s+/g, " ").slice(0, 70)}`);
      return result;
    },
  } as unknown as pg.Client;
  await client.query("SET synchronous_commit = off");
  await client.query("SELECT setseed(0.42)");
  await client.query(`INSERT INTO users (id, email, name, password_hash) VALUES ('bench-user', 'bench@example.test', 'Bench', 'x')`);
  await client.query(`INSERT INTO teams (id, name) VALUES ('bench-team', 'Bench'), ('other-team', 'Other')`);
  await client.query(`INSERT INTO memberships (team_id, user_id, role) VALUES ('bench-team', 'bench-user', 'owner')`);

  // A vocabulary of 5,000 letter-only words and 4,000 sentences of 8 words with a skewed (Zipf-like)
  // word frequency, so some words are common and most are rare.
  await client.query(`CREATE TEMP TABLE vocab AS
    SELECT n, translate(substr(md5(n::text), 1, 4 + n % 5), '0123456789', 'ghijklmnop') AS word FROM generate_series(0, 4999) n`);
  await client.query(`CREATE TEMP TABLE sentences AS
    SELECT p.n, string_agg(v.word, ' ' ORDER BY p.k) || '. ' AS text
    FROM (SELECT n, k, least(4999, floor(5000 * power(random(), 3)))::int AS w FROM generate_series(0, 3999) n, generate_series(1, 8) k) p
    JOIN vocab v ON v.n = p.w GROUP BY p.n`);

  // One in 50 sessions (20) in the other team, so team scoping is part of the query.
  await client.query(
    `INSERT INTO sessions (id, team_id, created_by, title, agent, status, event_count, created_at, updated_at)
     SELECT 'sess-' || lpad(i::text, 4, '0'),
            CASE WHEN i % 50 = 49 THEN 'other-team' ELSE 'bench-team' END,
            'bench-user',
            CASE WHEN i % 50 = 7 THEN 'Quarterly report ' || i ELSE 'Demo session ' || i END,
            'demo', 'idle', $1, now() - make_interval(secs => ($2 - i) * 60), now()
     FROM generate_series(0, $2 - 1) i`,
    [TURNS * EVENTS_PER_TURN, SESSIONS],
  );

  // The chunk texts: a sentence picked per (session, turn, chunk); needles go into chosen sessions.
  // Random picks first, then a hash join on the sentence number (subscripting one big array per row is quadratic).
  await client.query(`CREATE TEMP TABLE chunks AS
    SELECT x.i, x.t, x.c, se.text
      || CASE
           WHEN x.i = ${Math.floor(SESSIONS / 2)} AND x.t = 17 AND x.c = 3 THEN 'zebraquartz appears once. '
           WHEN x.i % 100 = 13 AND x.t = 5 AND x.c = 10 THEN 'a violet lighthouse glows. '
           WHEN x.i % 20 = 3 AND x.t = 30 AND x.c = 1 THEN 'amberfalcon flies. '
           ELSE '' END AS text
    FROM (SELECT i, t, c, floor(random() * 4000)::int AS pick
          FROM generate_series(0, ${SESSIONS - 1}) i, generate_series(0, ${TURNS - 1}) t, generate_series(0, ${CHUNKS_PER_TURN - 1}) c) x
    JOIN sentences se ON se.n = x.pick`);
  await client.query(`CREATE TEMP TABLE prompts AS
    SELECT x.i, x.t, se.text
    FROM (SELECT i, t, floor(random() * 4000)::int AS pick FROM generate_series(0, ${SESSIONS - 1}) i, generate_series(0, ${TURNS - 1}) t) x
    JOIN sentences se ON se.n = x.pick`);

  const session = `JOIN sessions s ON s.id = 'sess-' || lpad(x.i::text, 4, '0')`;
  const update = (kind: string, text: string) =>
    `jsonb_build_object('jsonrpc', '2.0', 'method', 'session/update', 'params', jsonb_build_object('sessionId', 'demo-' || s.id,
       'update', jsonb_build_object('sessionUpdate', '${kind}', 'content', jsonb_build_object('type', 'text', 'text', ${text}))))`;
  // Events, one turn shape at a time, in bulk.
  await client.query(`INSERT INTO events (session_id, index, sender, created_at, payload)
    SELECT s.id, x.t * ${EVENTS_PER_TURN} + 1, 'client', s.created_at + make_interval(secs => x.t * 30),
           jsonb_build_object('jsonrpc', '2.0', 'id', x.t + 10, 'method', 'session/prompt', 'params', jsonb_build_object('sessionId', 'demo-' || s.id,
             'prompt', jsonb_build_array(jsonb_build_object('type', 'text', 'text', x.text))))
    FROM prompts x ${session}`);
  await client.query(`INSERT INTO events (session_id, index, sender, created_at, payload)
    SELECT s.id, t * ${EVENTS_PER_TURN} + 2, 'agent', s.created_at + make_interval(secs => t * 30 + 0.02), ${update("agent_thought_chunk", "'Thinking about it.'")}
    FROM sessions s, generate_series(0, ${TURNS - 1}) t`);
  await client.query(`INSERT INTO events (session_id, index, sender, created_at, payload)
    SELECT s.id, x.t * ${EVENTS_PER_TURN} + 3 + x.c, 'agent', s.created_at + make_interval(secs => x.t * 30 + 0.05 * (x.c + 1)), ${update("agent_message_chunk", "x.text")}
    FROM chunks x ${session}`);
  await client.query(`INSERT INTO events (session_id, index, sender, created_at, payload)
    SELECT s.id, t * ${EVENTS_PER_TURN} + e.k, e.sender::"EventSender", s.created_at + make_interval(secs => t * 30 + e.k * 0.05), e.payload
    FROM sessions s, generate_series(0, ${TURNS - 1}) t, (VALUES
      (23, 'agent', '{"jsonrpc":"2.0","method":"session/update","params":{"update":{"sessionUpdate":"usage_update","used":1200,"size":8192,"cost":{"amount":0.0024,"currency":"USD"}}}}'::jsonb),
      (24, 'agent', '{"jsonrpc":"2.0","id":10,"result":{"stopReason":"end_turn"}}'::jsonb),
      (25, 'portal', '{"type":"turn_ended","stopReason":"end_turn"}'::jsonb)) AS e(k, sender, payload)`);

  // The merged messages, as the writer builds them: the prompt at its event's index, the agent's
  // chunks concatenated in order at the index of the first chunk.
  await client.query(`INSERT INTO messages (session_id, index, role, text, created_at)
    SELECT s.id, x.t * ${EVENTS_PER_TURN} + 1, 'user', x.text, s.created_at + make_interval(secs => x.t * 30) FROM prompts x ${session}`);
  await client.query(`INSERT INTO messages (session_id, index, role, text, created_at)
    SELECT s.id, x.t * ${EVENTS_PER_TURN} + 3, 'agent', x.text, s.created_at + make_interval(secs => x.t * 30 + 0.05)
    FROM (SELECT i, t, string_agg(text, '' ORDER BY c) AS text FROM chunks GROUP BY i, t) x ${session}`);
  await client.query("VACUUM ANALYZE");
}

async function mostCommonWord(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ word: string }>(
    `SELECT word FROM ts_stat($$SELECT search FROM messages WHERE session_id IN ('sess-0001','sess-0002','sess-0003')$$) ORDER BY ndoc DESC, word LIMIT 1`,
  );
  return rows[0]!.word;
}

/** The baseline: the portal's query with its full-text match swapped for an unindexed ILIKE scan of the same text. */
function baselineSql(portal: { text: string; values: unknown[] }, q: string) {
  const match = /m\.search @@ plainto_tsquery\('simple', \$(\d+)\)/.exec(portal.text);
  if (!match) throw new Error("the portal's search SQL no longer has the expected full-text predicate");
  const position = Number(match[1]);
  const values = [...portal.values];
  values[position - 1] = q
    .trim()
    .split(/\s+/)
    .map((word) => `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return { text: portal.text.replace(match[0], `m.text ILIKE ALL($${position}::text[])`), values };
}

async function countAll(client: pg.Client, sql: { text: string; values: unknown[] }) {
  const values = [...sql.values];
  values[values.length - 1] = SESSIONS + 1; // every match, to check the two variants agree
  const { rows } = await client.query<{ id: string }>(sql.text, values);
  return rows.map((row) => row.id);
}

async function main() {
  const name = `portal_bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  const started = Date.now();
  try {
    await client.connect();
    await migrate(client);
    const [, generateMs] = await timed(() => generate(client));
    const counts = await client.query<{ sessions: string; events: string; messages: string; mb: string }>(
      `SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM messages) AS messages,
              round(pg_total_relation_size('messages') / 1048576.0)::text || ' MiB messages, ' || round(pg_total_relation_size('events') / 1048576.0)::text || ' MiB events' AS mb`,
    );
    const c = counts.rows[0]!;
    console.log(
      `search benchmark: ${c.sessions} sessions, ${c.events} events, ${c.messages} merged messages (${c.mb}); generated in ${(generateMs / 1000).toFixed(1)} s`,
    );

    const common = await mostCommonWord(client);
    for (const query of QUERIES) if (!query.q) query.q = common;
    const teamIds = ["bench-team"];

    const indexedAll: number[] = [];
    const baselineAll: number[] = [];
    const rows: string[] = [];
    for (const query of QUERIES) {
      let after: { at: Date; id: string } | undefined;
      if (query.secondPage) {
        const firstPage = sessionListSql({ teamIds, q: query.q, take: PAGE });
        const first = await client.query<{ id: string; created_at: Date }>(firstPage.text, firstPage.values);
        const last = first.rows.at(-1)!;
        after = { at: last.created_at, id: last.id };
      }
      const portal = sessionListSql({ teamIds, q: query.q, after, take: PAGE + 1 });
      const baseline = baselineSql(portal, query.q);
      const portalIds = await countAll(client, portal);
      const baselineIds = await countAll(client, baseline);
      if (query.expect !== undefined && portalIds.length !== query.expect) {
        throw new Error(`"${query.q}": the portal query found ${portalIds.length} sessions, expected ${query.expect}`);
      }
      if (query.expect !== undefined && baselineIds.length !== query.expect) {
        throw new Error(`"${query.q}": the baseline found ${baselineIds.length} sessions, expected ${query.expect}`);
      }
      await client.query(portal.text, portal.values); // warm
      const indexed: number[] = [];
      for (let run = 0; run < INDEXED_RUNS; run += 1) indexed.push((await timed(() => client.query(portal.text, portal.values)))[1]);
      const scan: number[] = [];
      for (let run = 0; run < BASELINE_RUNS; run += 1) scan.push((await timed(() => client.query(baseline.text, baseline.values)))[1]);
      indexed.sort((a, b) => a - b);
      scan.sort((a, b) => a - b);
      indexedAll.push(...indexed);
      baselineAll.push(...scan);
      rows.push(
        `  ${`${query.name} "${query.q}"`.padEnd(44)} ${String(portalIds.length).padStart(5)} hits${baselineIds.length === portalIds.length ? "" : ` (ILIKE substring: ${baselineIds.length})`}   indexed p50 ${ms(percentile(indexed, 50)).padStart(9)}  p99 ${ms(percentile(indexed, 99)).padStart(9)}   ILIKE p50 ${ms(percentile(scan, 50)).padStart(9)}   ×${(percentile(scan, 50) / percentile(indexed, 50)).toFixed(0)}`,
      );
    }
    console.log(
      `one page (${PAGE} newest matches) per query, the portal's SQL; full-text: ${INDEXED_RUNS} runs each, ILIKE baseline: ${BASELINE_RUNS} runs each`,
    );
    for (const row of rows) console.log(row);
    indexedAll.sort((a, b) => a - b);
    baselineAll.sort((a, b) => a - b);
    const i50 = percentile(indexedAll, 50);
    const b50 = percentile(baselineAll, 50);
    console.log(
      `all queries: full-text index p50 ${ms(i50)}, p99 ${ms(percentile(indexedAll, 99))} | unindexed ILIKE p50 ${ms(b50)}, p99 ${ms(percentile(baselineAll, 99))} | p50 ratio ×${(b50 / i50).toFixed(0)}`,
    );
    console.log(`total run ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await client.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

await main();

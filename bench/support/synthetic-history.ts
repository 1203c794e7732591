import { randomUUID } from "node:crypto";
import type pg from "pg";

// A long session made with SQL: turns of 100 events (one client `session/prompt`, then 99 agent
// `agent_message_chunk` updates, ~150-byte jsonb payloads like the runtime's), with the merged
// messages the writer would have produced (one user and one agent message per turn).

const TURN = 100;
const STEP = 250_000;

export async function fillSyntheticHistory(pool: pg.Pool, sessionId: string, total: number, log = (line: string) => console.log(line)) {
  const agentSessionId = randomUUID();
  const started = Date.now();
  for (let from = 1; from <= total; from += STEP) {
    const to = Math.min(total, from + STEP - 1);
    await pool.query(
      `INSERT INTO events (session_id, index, sender, created_at, payload)
       SELECT $1, i,
              CASE WHEN i % ${TURN} = 1 THEN 'client'::"EventSender" ELSE 'agent'::"EventSender" END,
              now() - make_interval(secs => ($3::int - i) / 1000.0),
              CASE WHEN i % ${TURN} = 1
                THEN jsonb_build_object('jsonrpc', '2.0', 'id', i, 'method', 'session/prompt', 'params',
                       jsonb_build_object('sessionId', $2::text, 'prompt', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'please look at item ' || i))))
                ELSE jsonb_build_object('jsonrpc', '2.0', 'method', 'session/update', 'params',
                       jsonb_build_object('sessionId', $2::text, 'update', jsonb_build_object('sessionUpdate', 'agent_message_chunk',
                         'content', jsonb_build_object('type', 'text', 'text', i || ' lorem ipsum dolor '))))
              END
       FROM generate_series($4::int, $5::int) AS i`,
      [sessionId, agentSessionId, total, from, to],
    );
    log(`  [history] ${to.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} events (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  await pool.query(
    `INSERT INTO messages (session_id, index, role, text)
     SELECT $1, t * ${TURN} + 1, 'user', 'please look at item ' || (t * ${TURN} + 1) FROM generate_series(0, ($2::int - 1) / ${TURN}) AS t
     UNION ALL
     SELECT $1, t * ${TURN} + 2, 'agent', (SELECT string_agg(i || ' lorem ipsum dolor ', '') FROM generate_series(t * ${TURN} + 2, t * ${TURN} + ${TURN}) AS i)
     FROM generate_series(0, ($2::int - 1) / ${TURN}) AS t`,
    [sessionId, total],
  );
  await pool.query(`UPDATE sessions SET event_count = $2 WHERE id = $1`, [sessionId, total]);
  await pool.query(`ANALYZE events`);
  await pool.query(`ANALYZE messages`);
  const { rows } = await pool.query<{ bytes: string }>(`SELECT avg(octet_length(payload::text))::int AS bytes FROM events WHERE session_id = $1 AND index <= 1000`, [sessionId]);
  log(`  [history] ${total.toLocaleString("en-US")} events + messages in ${((Date.now() - started) / 1000).toFixed(1)} s; payloads ~${rows[0]?.bytes} bytes of JSON`);
}

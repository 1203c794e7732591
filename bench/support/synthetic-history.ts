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

/**
 * A session of `turns` turns of 50 events each, shaped like an agent at work: the prompt, three
 * thought chunks, a plan, a tool call asking for permission (request and answer as the portal
 * records them), its completion, the plan done, 38 message chunks, usage, and the turn's end.
 * The last chunk of turn t says "end of turn t", so a reader can tell which turn is on screen.
 */
export const TOOL_TURN_EVENTS = 50;

export async function fillToolHistory(pool: pg.Pool, sessionId: string, turns: number) {
  const total = turns * TOOL_TURN_EVENTS;
  // The session was created through the API: its own first events make way for the synthetic ones.
  await pool.query(`DELETE FROM events WHERE session_id = $1`, [sessionId]);
  const update = (body: string) => `jsonb_build_object('jsonrpc', '2.0', 'method', 'session/update', 'params', jsonb_build_object('sessionId', 'bench', 'update', ${body}))`;
  const plan = (first: string, second: string) =>
    update(`jsonb_build_object('sessionUpdate', 'plan', 'entries', jsonb_build_array(jsonb_build_object('content', 'Edit file-' || t || '.ts', 'status', '${first}', 'priority', 'high'), jsonb_build_object('content', 'Summarise', 'status', '${second}', 'priority', 'medium')))`);
  const toolCall = `jsonb_build_object('toolCallId', 'tc-' || t, 'title', 'Edit file-' || t || '.ts', 'kind', 'edit')`;
  await pool.query(
    `INSERT INTO events (session_id, index, sender, created_at, payload)
     SELECT $1, i,
            CASE WHEN k = 1 THEN 'client'::"EventSender" WHEN k IN (7, 8, ${TOOL_TURN_EVENTS}) THEN 'portal'::"EventSender" ELSE 'agent'::"EventSender" END,
            now() - make_interval(secs => ($2::int - i) / 100.0),
            CASE
              WHEN k = 1 THEN jsonb_build_object('jsonrpc', '2.0', 'id', i, 'method', 'session/prompt', 'params', jsonb_build_object('sessionId', 'bench', 'prompt', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'turn ' || t || ': please fix file-' || t || '.ts'))))
              WHEN k <= 4 THEN ${update(`jsonb_build_object('sessionUpdate', 'agent_thought_chunk', 'content', jsonb_build_object('type', 'text', 'text', 'thinking about ' || t || ' '))`)}
              WHEN k = 5 THEN ${plan("in_progress", "pending")}
              WHEN k = 6 THEN ${update(`${toolCall} || jsonb_build_object('sessionUpdate', 'tool_call', 'status', 'pending', 'rawInput', jsonb_build_object('path', 'file-' || t || '.ts'))`)}
              WHEN k = 7 THEN jsonb_build_object('type', 'permission_requested', 'permissionId', 'p-' || t, 'toolCall', ${toolCall}, 'options', jsonb_build_array(jsonb_build_object('optionId', 'once', 'name', 'Allow once', 'kind', 'allow_once'), jsonb_build_object('optionId', 'reject', 'name', 'Reject', 'kind', 'reject_once')))
              WHEN k = 8 THEN jsonb_build_object('type', 'permission_resolved', 'permissionId', 'p-' || t, 'reply', 'once', 'by', null)
              WHEN k = 9 THEN ${update(`jsonb_build_object('sessionUpdate', 'tool_call_update', 'toolCallId', 'tc-' || t, 'status', 'completed', 'content', jsonb_build_array(jsonb_build_object('type', 'content', 'content', jsonb_build_object('type', 'text', 'text', 'Wrote ' || (t * 7 % 900 + 100) || ' bytes to file-' || t || '.ts'))))`)}
              WHEN k = 10 THEN ${plan("completed", "completed")}
              WHEN k = ${TOOL_TURN_EVENTS - 2} THEN ${update(`jsonb_build_object('sessionUpdate', 'agent_message_chunk', 'content', jsonb_build_object('type', 'text', 'text', ' end of turn ' || t || '.'))`)}
              WHEN k = ${TOOL_TURN_EVENTS - 1} THEN ${update(`jsonb_build_object('sessionUpdate', 'usage_update', 'used', 1000 + t, 'size', 200000)`)}
              WHEN k = ${TOOL_TURN_EVENTS} THEN jsonb_build_object('type', 'turn_ended', 'turnId', 'turn-' || t, 'stopReason', 'end_turn')
              ELSE ${update(`jsonb_build_object('sessionUpdate', 'agent_message_chunk', 'content', jsonb_build_object('type', 'text', 'text', 'part ' || k || ' of the answer to ' || t || ', lorem ipsum dolor sit amet; '))`)}
            END
     FROM generate_series(1, $2::int) AS i, LATERAL (SELECT (i - 1) / ${TOOL_TURN_EVENTS} AS t, (i - 1) % ${TOOL_TURN_EVENTS} + 1 AS k) AS pos`,
    [sessionId, total],
  );
  await pool.query(`UPDATE sessions SET event_count = $2, status = 'idle', last_stop_reason = 'end_turn', current_turn_id = NULL WHERE id = $1`, [sessionId, total]);
  await pool.query(`ANALYZE events`);
  return total;
}

// The SQL of the session list, kept pure (no database handle) so bench/search.ts runs exactly the
// query the portal runs. Newest first, keyset on (created_at, id), scoped to the caller's teams.
// `q` matches the title (ILIKE, a team has few sessions) or any merged message of the session
// through the GIN full-text index on messages.search ('simple' configuration: words as typed).
// Written as EXISTS so the planner can pick per query: for a rare word, one GIN lookup hashed once;
// for a common word, a per-session check of the newest sessions that stops when the page is full
// (measured in bench/search.ts: the IN form took ~190 ms for a word in most sessions).

export interface SessionListFilter {
  teamIds: string[];
  /** A stored status, or `awaiting_input` (running with a pending permission). */
  status?: string;
  /**
   * `idle` and `restorable` as the pages' badges show them (displayStatus, lib/contract/sessions.ts): a
   * restorable session whose last turn was not cut off looks idle, as it resumes on the next prompt.
   */
  statusAsShown?: boolean;
  /** Archived sessions are left out unless asked for; `only` lists nothing else. */
  archived?: "exclude" | "include" | "only";
  agent?: string;
  createdBy?: string;
  q?: string;
  /** The last row of the previous page. */
  after?: { at: Date; id: string };
  /** Rows to read (the page size plus one, to know whether there is a next page). */
  take: number;
}

export function escapeLike(text: string) {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export function sessionListSql(filter: SessionListFilter): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown, cast = "") => {
    values.push(value);
    return `$${values.length}${cast}`;
  };
  // One team (the common case) as an equality, so the (team_id, created_at, id) index yields rows
  // already in page order and the scan stops at the page size instead of sorting every match.
  const where = [filter.teamIds.length === 1 ? `s.team_id = ${param(filter.teamIds[0])}` : `s.team_id = ANY(${param(filter.teamIds, "::text[]")})`];
  const pending = `EXISTS (SELECT 1 FROM permissions p WHERE p.session_id = s.id AND p.status = 'pending')`;
  if (filter.status === "awaiting_input") where.push(`s.status = 'running' AND ${pending}`);
  else if (filter.status === "running") where.push(`s.status = 'running' AND NOT ${pending}`);
  else if (filter.statusAsShown && filter.status === "idle")
    where.push(`(s.status = 'idle' OR (s.status = 'restorable' AND s.last_stop_reason IS DISTINCT FROM 'interrupted'))`);
  else if (filter.statusAsShown && filter.status === "restorable") where.push(`s.status = 'restorable' AND s.last_stop_reason = 'interrupted'`);
  else if (filter.status) where.push(`s.status = ${param(filter.status, '::"SessionStatus"')}`);
  if ((filter.archived ?? "exclude") === "exclude") where.push(`s.archived_at IS NULL`);
  else if (filter.archived === "only") where.push(`s.archived_at IS NOT NULL`);
  if (filter.agent) where.push(`s.agent = ${param(filter.agent)}`);
  if (filter.createdBy) where.push(`s.created_by = ${param(filter.createdBy)}`);
  if (filter.after) {
    where.push(`(s.created_at, s.id) < (${param(filter.after.at.toISOString(), "::timestamptz")}, ${param(filter.after.id)})`);
  }
  const q = filter.q?.trim();
  if (q) {
    const title = param(`%${escapeLike(q)}%`);
    const words = param(q);
    where.push(`(s.title ILIKE ${title} OR EXISTS (SELECT 1 FROM messages m WHERE m.session_id = s.id AND m.search @@ plainto_tsquery('simple', ${words})))`);
  }
  const text = `SELECT s.id, s.created_at FROM sessions s WHERE ${where.join(" AND ")} ORDER BY s.created_at DESC, s.id DESC LIMIT ${param(filter.take, "::int")}`;
  return { text, values };
}

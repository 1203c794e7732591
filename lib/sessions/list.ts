import "server-only";
import type { Session } from "@/generated/prisma/client";
import type { SessionStatus } from "@/lib/contract/sessions";
import { db } from "@/lib/db/client";
import { decodeTimeCursor, encodeTimeCursor } from "@/lib/db/keyset";
import { notFound } from "@/lib/errors";
import { sessionListSql } from "@/lib/sessions/search-sql";
import { teamIdsOf } from "@/lib/teams/membership";

// The session list: newest first, keyset-paged on (created_at, id), scoped to the caller's teams,
// filtered by status, agent and creator; `q` matches titles and conversation text (search-sql.ts).

export interface ListSessionsInput {
  userId: string;
  teamId?: string;
  status?: SessionStatus;
  /** The status filter as the pages' badges show statuses (search-sql.ts). */
  statusAsShown?: boolean;
  archived?: "exclude" | "include" | "only";
  agent?: string;
  createdBy?: string;
  q?: string;
  cursor?: string;
  limit: number;
}

export async function listSessions(input: ListSessionsInput): Promise<{ items: Session[]; nextCursor: string | null }> {
  let teamIds = await teamIdsOf(input.userId);
  if (input.teamId) {
    if (!teamIds.includes(input.teamId)) throw notFound("Team");
    teamIds = [input.teamId];
  }
  if (teamIds.length === 0) return { items: [], nextCursor: null };

  const sql = sessionListSql({
    teamIds,
    status: input.status,
    statusAsShown: input.statusAsShown,
    archived: input.archived,
    agent: input.agent,
    createdBy: input.createdBy,
    q: input.q,
    after: input.cursor ? decodeTimeCursor(input.cursor) : undefined,
    take: input.limit + 1,
  });
  const rows = await db().$queryRawUnsafe<Array<{ id: string }>>(sql.text, ...sql.values);
  const hasMore = rows.length > input.limit;
  const ids = (hasMore ? rows.slice(0, input.limit) : rows).map((row) => row.id);
  if (ids.length === 0) return { items: [], nextCursor: null };

  const sessions = await db().session.findMany({ where: { id: { in: ids } } });
  const byId = new Map(sessions.map((session) => [session.id, session]));
  const items = ids.map((id) => byId.get(id)).filter((session): session is Session => session !== undefined);
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last ? encodeTimeCursor(last.createdAt, last.id) : null };
}

import "server-only";
import type { Prisma, SessionStatus } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import { badRequest } from "@/lib/errors";

// The session list: newest first, keyset-paged on (created_at, id), scoped to the caller's teams.
// `q` matches titles (ILIKE) and conversation text through the GIN full-text index on messages.

export interface ListSessionsInput {
  userId: string;
  teamId?: string;
  status?: SessionStatus;
  agent?: string;
  createdBy?: string;
  q?: string;
  cursor?: string;
  limit: number;
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || typeof id !== "string") throw new Error("bad cursor");
    return { createdAt, id };
  } catch {
    throw badRequest("The cursor is not valid; use nextCursor from the previous page.");
  }
}

const encodeCursor = (createdAt: Date, id: string) => Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString("base64url");

export async function listSessions(input: ListSessionsInput) {
  const memberships = await db().membership.findMany({ where: { userId: input.userId }, select: { teamId: true } });
  const teamIds = memberships.map((membership) => membership.teamId).filter((id) => !input.teamId || id === input.teamId);
  if (teamIds.length === 0) return { items: [], nextCursor: null };

  const where: Prisma.SessionWhereInput = { teamId: { in: teamIds } };
  if (input.status) where.status = input.status;
  if (input.agent) where.agent = input.agent;
  if (input.createdBy) where.createdById = input.createdBy;
  if (input.cursor) {
    const { createdAt, id } = decodeCursor(input.cursor);
    where.OR = [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }];
  }
  if (input.q?.trim()) {
    const q = input.q.trim();
    const matching = await db().$queryRawUnsafe<Array<{ session_id: string }>>(
      `SELECT DISTINCT m.session_id FROM messages m JOIN sessions s ON s.id = m.session_id
       WHERE s.team_id = ANY($1::text[]) AND m.search @@ plainto_tsquery('simple', $2) LIMIT 5000`,
      teamIds,
      q,
    );
    const textMatch = { id: { in: matching.map((row) => row.session_id) } };
    where.AND = [{ OR: [{ title: { contains: q, mode: "insensitive" } }, textMatch] }];
  }
  const rows = await db().session.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
  });
  const hasMore = rows.length > input.limit;
  const items = hasMore ? rows.slice(0, input.limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last ? encodeCursor(last.createdAt, last.id) : null };
}

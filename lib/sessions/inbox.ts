import "server-only";
import { db } from "@/lib/db/client";
import { permissionJson } from "@/lib/sessions/serialize";
import { decodeCursor, encodeCursor, invalidCursor } from "@/lib/teams/keyset";

// The inbox: every pending permission in the caller's teams, oldest first (the one waiting longest
// on top), keyset-paged on (created_at, id), each with the session it belongs to.

export async function listPendingPermissions({ userId, cursor, limit }: { userId: string; cursor?: string; limit: number }) {
  const after = cursor ? decodeCursor(cursor, 2) : null;
  const afterAt = after ? new Date(after[0]!) : null;
  if (afterAt && Number.isNaN(afterAt.getTime())) throw invalidCursor();
  const rows = await db().permission.findMany({
    where: {
      status: "pending",
      session: { team: { memberships: { some: { userId } } } },
      ...(after && afterAt ? { OR: [{ createdAt: { gt: afterAt } }, { createdAt: afterAt, id: { gt: after[1]! } }] } : {}),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: limit + 1,
    include: { session: { select: { id: true, teamId: true, title: true, agent: true, team: { select: { name: true } } } } },
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      ...permissionJson(row),
      sessionId: row.session.id,
      teamId: row.session.teamId,
      teamName: row.session.team.name,
      sessionTitle: row.session.title,
      agent: row.session.agent,
    })),
    nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
  };
}

export type InboxItem = Awaited<ReturnType<typeof listPendingPermissions>>["items"][number];

/** How many permissions wait in the caller's teams (the top bar's badge). */
export function countPendingPermissions({ userId }: { userId: string }) {
  return db().permission.count({ where: { status: "pending", session: { team: { memberships: { some: { userId } } } } } });
}

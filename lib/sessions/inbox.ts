import "server-only";
import { inTeamsOf } from "@/lib/teams/membership";
import { db } from "@/lib/db/client";
import { permissionJson } from "@/lib/sessions/serialize";
import { decodeTimeCursor, encodeTimeCursor } from "@/lib/db/keyset";

// The inbox: every pending permission in the caller's teams, oldest first (the one waiting longest
// on top), keyset-paged on (created_at, id), each with the session it belongs to.

export async function listPendingPermissions({ userId, cursor, limit }: { userId: string; cursor?: string; limit: number }) {
  const after = cursor ? decodeTimeCursor(cursor) : null;
  const rows = await db().permission.findMany({
    where: {
      status: "pending",
      session: inTeamsOf(userId),
      ...(after ? { OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] } : {}),
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
    nextCursor: rows.length > limit && last ? encodeTimeCursor(last.createdAt, last.id) : null,
  };
}


/** How many permissions wait in the caller's teams (the top bar's badge). */
export function countPendingPermissions({ userId }: { userId: string }) {
  return db().permission.count({ where: { status: "pending", session: inTeamsOf(userId) } });
}

import "server-only";
import type { InboxItemJson } from "@/lib/contract/permissions";
import { rolesThatMay } from "@/lib/contract/roles";
import { db } from "@/lib/db/client";
import { decodeTimeCursor, encodeTimeCursor } from "@/lib/db/keyset";
import { permissionJson } from "@/lib/sessions/serialize";

// The inbox: every pending permission in the caller's teams (or one team), oldest first (the one
// waiting longest on top), keyset-paged on (created_at, id), each with the session it belongs to.
// "Needs you" (the top bar's count, the feed's items) is only what the caller may answer: a viewer
// watches, and is never told a request waits for them.

/** Sessions of the user's teams (or of one of them); with `answerable`, only teams where they may answer. */
function sessionsOf(userId: string, { teamId, answerable }: { teamId?: string; answerable?: boolean }) {
  const membership = { userId, ...(answerable ? { role: { in: rolesThatMay("work") } } : {}) };
  return { ...(teamId ? { teamId } : {}), team: { memberships: { some: membership } } };
}

export async function listPendingPermissions({
  userId,
  teamId,
  answerable,
  cursor,
  limit,
}: {
  userId: string;
  teamId?: string;
  answerable?: boolean;
  cursor?: string;
  limit: number;
}): Promise<{ items: InboxItemJson[]; nextCursor: string | null }> {
  const after = cursor ? decodeTimeCursor(cursor) : null;
  const rows = await db().permission.findMany({
    where: {
      status: "pending",
      session: sessionsOf(userId, { teamId, answerable }),
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

/** How many permissions wait for an answer the caller may give (the top bar's badge). */
export function countPendingPermissions({ userId, teamId }: { userId: string; teamId?: string }) {
  return db().permission.count({ where: { status: "pending", session: sessionsOf(userId, { teamId, answerable: true }) } });
}

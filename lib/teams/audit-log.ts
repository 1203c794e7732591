import "server-only";
import { db } from "@/lib/db/client";
import { decodeTimeCursor, encodeTimeCursor } from "@/lib/db/keyset";

// The team's audit log for admins: newest first, keyset-paged on (at, id), filtered by actor,
// action and a time range.

export interface AuditFilters {
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

export async function listAuditEntries({
  teamId,
  cursor,
  limit,
  actorId,
  action,
  from,
  to,
}: { teamId: string; cursor?: string; limit: number } & AuditFilters) {
  const before = cursor ? decodeTimeCursor(cursor) : null;
  const rows = await db().auditEntry.findMany({
    where: {
      teamId,
      ...(actorId ? { actorId } : {}),
      ...(action ? { action } : {}),
      ...(from || to ? { at: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } } : {}),
      ...(before ? { OR: [{ at: { lt: before.at } }, { at: before.at, id: { lt: before.id } }] } : {}),
    },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      actorId: row.actorId,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      detail: row.detail ?? null,
      ip: row.ip,
    })),
    nextCursor: hasMore && last ? encodeTimeCursor(last.at, last.id) : null,
  };
}

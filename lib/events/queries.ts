import "server-only";
import { db } from "@/lib/db/client";
import { decodeIndexCursor } from "@/lib/db/keyset";
import type { StoredEvent } from "@/lib/events/types";

// History reads page by keyset on (session_id, index): the last page of a long session costs what
// the first one does.

export async function listEventsAfter({ sessionId, after, limit }: { sessionId: string; after: number; limit: number }): Promise<StoredEvent[]> {
  const rows = await db().event.findMany({
    where: { sessionId, index: { gt: after } },
    orderBy: { index: "asc" },
    take: limit,
    select: { index: true, sender: true, createdAt: true, payload: true },
  });
  return rows.map((row) => ({ index: row.index, sender: row.sender, createdAt: row.createdAt.toISOString(), payload: row.payload }));
}

/** A page of events after `after`, or after the page `cursor` ended (it wins: it came from nextCursor). */
export async function listEventsPage({ sessionId, after, cursor, limit }: { sessionId: string; after: number; cursor?: string; limit: number }) {
  if (cursor !== undefined) after = decodeIndexCursor(cursor);
  const items = await listEventsAfter({ sessionId, after, limit: limit + 1 });
  const hasMore = items.length > limit;
  const page = hasMore ? items.slice(0, limit) : items;
  return { items: page, nextCursor: hasMore ? String(page.at(-1)!.index) : null };
}

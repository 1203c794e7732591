import { z } from "zod";
import { ApiError, invalidCursor } from "@/lib/errors";

// Opaque keyset cursors for every list: the sort key of the last row, base64url JSON. Whatever is
// wrong with a cursor (not base64, not ours, too long, a bad time) is one answer: `invalid_cursor`.

const MAX_CURSOR_CHARS = 1000;

/** The `cursor` query parameter of a list; checked when decoded, so every fault is `invalid_cursor`. */
export const cursorParam = z.string().optional();

/** The `limit` query parameter of every list: 1..500, 50 when absent. */
export const limitParam = z.coerce.number().int().min(1).max(500).default(50);

/** The query of a list that takes nothing but its page. */
export const pageQuery = z.object({ cursor: cursorParam, limit: limitParam });

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: readonly string[]) {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor(cursor: string, length: number): string[] {
  if (cursor.length > MAX_CURSOR_CHARS) throw invalidCursor();
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(key) && key.length === length && key.every((part) => typeof part === "string" && !part.includes("\u0000"))) return key as string[];
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/** A (time, id) key, the newest-first lists' cursor. */
export function encodeTimeCursor(at: Date, id: string) {
  return encodeCursor([at.toISOString(), id]);
}

export function decodeTimeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = decodeCursor(cursor, 2) as [string, string];
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) throw invalidCursor();
  return { at: date, id };
}

/**
 * One page of a newest-first list keyed on (`field`, id): the where-clause after `cursor`, the order,
 * one row more than `limit` (to know whether more follow), and `page` to cut the rows read into items
 * and the next cursor.
 */
export function newestFirst<K extends string>(field: K, { cursor, limit }: { cursor?: string; limit: number }) {
  const after = cursor ? decodeTimeCursor(cursor) : null;
  return {
    where: after
      ? {
          OR: [
            { [field]: { lt: after.at } } as Record<K, { lt: Date }>,
            { [field]: after.at, id: { lt: after.id } } as Record<K, Date> & { id: { lt: string } },
          ],
        }
      : {},
    orderBy: [{ [field]: "desc" } as Record<K, "desc">, { id: "desc" as const }],
    take: limit + 1,
    page<T extends Record<K, Date> & { id: string }, J>(rows: T[], json: (row: T) => J): Page<J> {
      const last = rows.length > limit ? rows[limit - 1] : undefined;
      return { items: rows.slice(0, limit).map(json), nextCursor: last ? encodeTimeCursor(last[field], last.id) : null };
    },
  };
}

/**
 * A page's list read with the cursor in its address: a cursor the list did not give out (an edited or
 * old address) shows the first page rather than an error page.
 */
export async function firstPageUnlessValid<T extends object>(
  cursor: string | undefined,
  read: (cursor: string | undefined) => Promise<T>,
): Promise<T & { fromStart: boolean }> {
  try {
    return { ...(await read(cursor)), fromStart: cursor === undefined };
  } catch (error) {
    if (cursor !== undefined && error instanceof ApiError && error.code === "invalid_cursor") return { ...(await read(undefined)), fromStart: true };
    throw error;
  }
}

/** An event index as a cursor (the events list pages by index). */
export function decodeIndexCursor(cursor: string): number {
  if (!/^\d{1,10}$/.test(cursor) || Number(cursor) > 2_147_483_647) throw invalidCursor();
  return Number(cursor);
}

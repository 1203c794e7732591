import { z } from "zod";
import { invalidCursor } from "@/lib/errors";

// Opaque keyset cursors for every list: the sort key of the last row, base64url JSON. Whatever is
// wrong with a cursor (not base64, not ours, too long, a bad time) is one answer: `invalid_cursor`.

const MAX_CURSOR_CHARS = 1000;

/** The `cursor` query parameter of a list; checked when decoded, so every fault is `invalid_cursor`. */
export const cursorParam = z.string().optional();

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

/** An event index as a cursor (the events list pages by index). */
export function decodeIndexCursor(cursor: string): number {
  if (!/^\d{1,10}$/.test(cursor) || Number(cursor) > 2_147_483_647) throw invalidCursor();
  return Number(cursor);
}

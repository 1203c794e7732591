import { badRequest } from "@/lib/errors";

// Opaque keyset cursors for the team lists: the sort key of the last row, base64url JSON.

export function encodeCursor(key: readonly string[]) {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor(cursor: string, length: number): string[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(key) && key.length === length && key.every((part) => typeof part === "string")) return key as string[];
  } catch {
    // fall through
  }
  throw invalidCursor();
}

export const invalidCursor = () =>
  badRequest("The cursor is not valid; use nextCursor from the previous page.", [{ path: "cursor", message: "is not a cursor from this list" }]);

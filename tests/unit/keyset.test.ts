import { describe, expect, it } from "vitest";
import { decodeTimeCursor, firstPageUnlessValid, newestFirst, pageQuery } from "@/lib/db/keyset";
import { ApiError } from "@/lib/errors";

// The one keyset helper every newest-first list uses: its where-clause, order and page cut.

const at = (second: number) => new Date(Date.UTC(2026, 11, 7, 8, 0, second));
// Newest first with an id tiebreak, as the database answers: two rows share a time.
const rows = [
  { id: "e", createdAt: at(5) },
  { id: "d", createdAt: at(4) },
  { id: "c", createdAt: at(4) },
  { id: "b", createdAt: at(2) },
  { id: "a", createdAt: at(1) },
];

/** What a database would answer to the helper's query: the rows after `cursor`, `take` of them. */
function read(cursor: string | undefined, take: number) {
  const after = cursor ? decodeTimeCursor(cursor) : null;
  return rows.filter((row) => !after || row.createdAt < after.at || (row.createdAt.getTime() === after.at.getTime() && row.id < after.id)).slice(0, take);
}

describe("newestFirst", () => {
  it("orders by the field then id, both descending, and reads one row more than the page", () => {
    const keys = newestFirst("createdAt", { limit: 2 });
    expect(keys.orderBy).toEqual([{ createdAt: "desc" }, { id: "desc" }]);
    expect(keys.take).toBe(3);
    expect(keys.where).toEqual({});
  });

  it("walks every row once, a tie on time included, and ends with a null cursor", () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const keys = newestFirst("createdAt", { cursor, limit: 2 });
      expect(keys.where).toEqual(
        cursor ? { OR: [{ createdAt: { lt: expect.any(Date) } }, { createdAt: expect.any(Date), id: { lt: expect.any(String) } }] } : {},
      );
      const page = keys.page(read(cursor, keys.take), (row) => row.id);
      seen.push(...page.items);
      if (page.nextCursor === null) break;
      expect(decodeTimeCursor(page.nextCursor)).toEqual({ at: rows.find((row) => row.id === page.items.at(-1))!.createdAt, id: page.items.at(-1) });
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(["e", "d", "c", "b", "a"]);
  });

  it("gives no cursor when the page holds the rest exactly", () => {
    const keys = newestFirst("createdAt", { limit: 5 });
    expect(keys.page(read(undefined, keys.take), (row) => row.id)).toEqual({ items: ["e", "d", "c", "b", "a"], nextCursor: null });
  });

  it("refuses a cursor it did not give out with invalid_cursor", () => {
    for (const cursor of ["nonsense", Buffer.from(JSON.stringify(["not-a-date", "x"])).toString("base64url"), "x".repeat(2000)]) {
      expect(() => newestFirst("createdAt", { cursor, limit: 1 })).toThrow(expect.objectContaining({ code: "invalid_cursor" }));
    }
  });
});

describe("pageQuery", () => {
  it("takes limit 1..500, 50 by default", () => {
    expect(pageQuery.parse({})).toEqual({ limit: 50 });
    expect(pageQuery.parse({ limit: "500", cursor: "c" })).toEqual({ limit: 500, cursor: "c" });
    for (const limit of ["0", "501", "ten", "1.5"]) expect(pageQuery.safeParse({ limit }).success).toBe(false);
  });
});

describe("firstPageUnlessValid", () => {
  const reader = (cursor: string | undefined) => {
    if (cursor === "bad") throw new ApiError("invalid_cursor", "bad");
    if (cursor === "broken") throw new Error("database down");
    return Promise.resolve({ page: cursor ?? "first" });
  };

  it("reads the page of a good cursor, the first page for one the list did not give out, and lets other failures through", async () => {
    expect(await firstPageUnlessValid("good", reader)).toEqual({ page: "good", fromStart: false });
    expect(await firstPageUnlessValid(undefined, reader)).toEqual({ page: "first", fromStart: true });
    // Shown from the start: the page offers no way back to where it already is.
    expect(await firstPageUnlessValid("bad", reader)).toEqual({ page: "first", fromStart: true });
    await expect(firstPageUnlessValid("broken", reader)).rejects.toThrow("database down");
  });
});

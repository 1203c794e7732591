import { expect } from "vitest";
import type { Api } from "./harness";
import { expectProblem } from "./session-api-helpers";

type Item = Record<string, unknown>;

/**
 * Checks a list pages as the contract says (`?limit=` 1..500, `?cursor=` from `nextCursor`,
 * `{items, nextCursor}`): walking it one item a page until `nextCursor` is null gives exactly the items
 * of one big page, in its order, none twice; the default page is the first 50; a cursor the list did
 * not give out is 400 invalid_cursor; limit 0 and 501 are 422 naming `limit`. `atLeast`: how many items
 * the caller made sure the list has, so the walk crosses pages. `newestFirst`: the time field the list
 * is ordered by, newest first. Answers the big page's items.
 */
export async function expectKeysetPaging(
  api: Api,
  url: string,
  { atLeast, key = "id", newestFirst }: { atLeast: number; key?: string; newestFirst?: string },
): Promise<Item[]> {
  const join = url.includes("?") ? "&" : "?";
  const whole = await api.request("GET", `${url}${join}limit=500`);
  expect(whole.status, url).toBe(200);
  expect(whole.body.nextCursor, url).toBeNull();
  const everything = whole.body.items as Item[];
  expect(everything.length, url).toBeGreaterThanOrEqual(atLeast);
  if (newestFirst) {
    const times = everything.map((item) => String(item[newestFirst]));
    expect(times, url).toEqual([...times].sort().reverse());
  }

  const walked: Item[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.request("GET", `${url}${join}limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(page.status, url).toBe(200);
    expect(page.body.items, url).toHaveLength(1);
    walked.push(...(page.body.items as Item[]));
    cursor = page.body.nextCursor as string | null;
    expect(typeof cursor === "string" || cursor === null, url).toBe(true);
  } while (cursor !== null && walked.length <= everything.length);
  expect(
    walked.map((item) => item[key]),
    url,
  ).toEqual(everything.map((item) => item[key]));

  const first = await api.request("GET", url);
  expect(
    first.body.items.map((item: Item) => item[key]),
    url,
  ).toEqual(everything.slice(0, 50).map((item) => item[key]));
  expect(first.body.nextCursor === null, url).toBe(everything.length <= 50);

  const someoneElses = Buffer.from(JSON.stringify(["not-a-date", "id"])).toString("base64url");
  for (const bad of ["not-a-cursor", someoneElses]) {
    const problem = expectProblem(await api.request("GET", `${url}${join}cursor=${bad}`), 400, "invalid_cursor");
    expect(
      problem.errors?.map((error) => error.path),
      url,
    ).toEqual(["cursor"]);
  }
  for (const limit of ["0", "501"]) {
    const problem = expectProblem(await api.request("GET", `${url}${join}limit=${limit}`), 422);
    expect(
      problem.errors?.map((error) => error.path),
      url,
    ).toContain("limit");
  }
  return everything;
}

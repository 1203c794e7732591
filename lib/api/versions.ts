import { z } from "zod";

// Optimistic concurrency for whole-list PUTs (a team's MCP servers and skills): the GET answers the
// list's version as a strong ETag, and a PUT that sends it back in If-Match is refused with 412
// (edited_meanwhile) once another write has replaced that version. A PUT without If-Match, or with
// `If-Match: *` (the list always exists), writes unconditionally, as the contract's clients do.

/** The versions an If-Match names; the write goes ahead when the current one is among them. */
export type IfMatch = number[];

/** RFC 9110 §13.1.1: `*`, or a list of entity tags compared strongly (a weak tag never matches). */
function parseIfMatch(value: string, context: z.RefinementCtx): IfMatch | undefined {
  if (value.trim() === "*") return undefined;
  const versions: IfMatch = [];
  const entityTag = /\s*(W\/)?"([^"]*)"\s*(?:,|$)/y;
  do {
    const start = entityTag.lastIndex;
    const tag = entityTag.exec(value);
    if (!tag || entityTag.lastIndex === start) {
      context.addIssue({ code: "custom", message: 'must be "*" or ETags this list answered, e.g. "3"' });
      return z.NEVER;
    }
    const opaque = tag[2] ?? "";
    if (!tag[1] && /^\d{1,9}$/.test(opaque)) versions.push(Number(opaque));
  } while (entityTag.lastIndex < value.length);
  return versions;
}

export const ifMatchHeaders = z.object({
  "if-match": z.string().max(1000).transform(parseIfMatch).optional(),
});

/** Whether a write that named `ifMatch` may replace the list at `current`. */
export function matchesVersion(current: number, ifMatch: IfMatch | undefined): boolean {
  return ifMatch === undefined || ifMatch.includes(current);
}

/** The list without its version, which travels as the ETag. */
export function versionedJson<T extends { version: number }>({ version, ...body }: T, init: ResponseInit = {}): Response {
  return Response.json(body, { ...init, headers: { ...init.headers, etag: `"${version}"`, "cache-control": "no-store" } });
}

import { z } from "zod";

// Optimistic concurrency for whole-list PUTs (a team's MCP servers and skills): the GET answers the
// list's version as a strong ETag, and a PUT that sends it back in If-Match is refused with 412
// (edited_meanwhile) once another write has replaced that version. A PUT without If-Match writes
// unconditionally, as the contract's clients do.

export const ifMatchHeaders = z.object({
  "if-match": z
    .string()
    .regex(/^"\d{1,9}"$/, 'must be the ETag this list answered, e.g. "3"')
    .transform((tag) => Number(tag.slice(1, -1)))
    .optional(),
});

/** The list without its version, which travels as the ETag. */
export function versionedJson<T extends { version: number }>({ version, ...body }: T, init: ResponseInit = {}): Response {
  return Response.json(body, { ...init, headers: { ...init.headers, etag: `"${version}"`, "cache-control": "no-store" } });
}

import { z } from "zod";

// Path parameters are opaque ids; one that could not be an id (empty, or past any id's length)
// names nothing, and the route wrapper answers 404 for it as for an unknown one.

export const pathId = z.string().min(1).max(200);

export function pathParams<const K extends string>(...names: K[]) {
  return z.object(Object.fromEntries(names.map((name) => [name, pathId])) as Record<K, typeof pathId>);
}

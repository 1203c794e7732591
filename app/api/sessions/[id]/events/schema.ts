import { z } from "zod";
import { cursorParam, limitParam } from "@/lib/db/keyset";

export const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  cursor: cursorParam,
  limit: limitParam,
});

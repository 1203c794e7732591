import { z } from "zod";
import { cursorParam } from "@/lib/db/keyset";

export const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

import { z } from "zod";

export const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

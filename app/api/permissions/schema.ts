import { z } from "zod";

export const listPermissionsQuery = z.object({
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

import { z } from "zod";
import { cursorParam } from "@/lib/db/keyset";

export const listPermissionsQuery = z.object({
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

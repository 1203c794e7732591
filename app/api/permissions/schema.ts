import { z } from "zod";
import { cursorParam, limitParam } from "@/lib/db/keyset";

export const listPermissionsQuery = z.object({
  cursor: cursorParam,
  /** Only this team's requests (the team the person switched to). */
  teamId: z.string().min(1).max(100).optional(),
  limit: limitParam,
});

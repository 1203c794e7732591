import { z } from "zod";
import { cursorParam, limitParam } from "@/lib/db/keyset";

export const listUsersQuery = z.object({
  cursor: cursorParam,
  limit: limitParam,
});

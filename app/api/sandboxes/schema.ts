import { z } from "zod";
import { cursorParam } from "@/lib/db/keyset";
import { storedText } from "@/lib/sessions/stored-text";

export const listSandboxesQuery = z.object({
  teamId: storedText().pipe(z.string().min(1)).optional(),
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const filesQuery = z.object({ path: storedText().pipe(z.string().max(4096)).optional() });
export const fileContentQuery = z.object({ path: storedText().pipe(z.string().min(1, "is required").max(4096)) });

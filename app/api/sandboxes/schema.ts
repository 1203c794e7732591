import { z } from "zod";
import { storedText } from "@/lib/sessions/stored-text";

export const listSandboxesQuery = z.object({
  teamId: storedText().pipe(z.string().min(1)).optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const filesQuery = z.object({ path: storedText().pipe(z.string().max(4096)).optional() });
export const fileContentQuery = z.object({ path: storedText().pipe(z.string().min(1, "is required").max(4096)) });

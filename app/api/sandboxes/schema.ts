import { z } from "zod";
import { cursorParam, limitParam } from "@/lib/db/keyset";
import { storedText } from "@/lib/sessions/stored-text";

export const listSandboxesQuery = z.object({
  teamId: storedText().pipe(z.string().min(1)).optional(),
  cursor: cursorParam,
  limit: limitParam,
});

export const filesQuery = z.object({ path: storedText().pipe(z.string().max(4096)).optional() });
export const fileContentQuery = z.object({ path: storedText().pipe(z.string().min(1, "is required").max(4096)) });

const against = z.enum(["base", "push"]).default("base");
export const changesQuery = z.object({ against });
export const diffQuery = z.object({
  path: storedText().pipe(z.string().min(1, "is required").max(4096)),
  oldPath: storedText().pipe(z.string().min(1).max(4096)).optional(),
  against,
});
export const pushBody = z
  .object({
    branch: storedText().pipe(z.string().trim().min(1, "is required").max(200)),
    message: storedText().pipe(z.string().trim().min(1, "is required").max(10_000)),
    // The session whose history records the push; default: the sandbox's newest.
    sessionId: storedText().pipe(z.string().min(1).max(100)).optional(),
  })
  .strict();

import { z } from "zod";
import { SESSION_STATUSES } from "@/lib/contract/sessions";
import { cursorParam, limitParam } from "@/lib/db/keyset";
import { storedText } from "@/lib/sessions/stored-text";

const setting = storedText().pipe(z.string().min(1).max(200));

export const createSessionBody = z
  .object({
    teamId: storedText().pipe(z.string().min(1, "is required")),
    agent: storedText().pipe(z.string().min(1, "is required").max(100)),
    title: storedText().pipe(z.string().max(200)).optional(),
    // Relative to the workspace, or absolute inside it: checked against the sandbox (lib/sandboxes).
    cwd: storedText().pipe(z.string().min(1).max(4096)).optional(),
    sandboxId: storedText().pipe(z.string().min(1).max(100)).optional(),
    // A new sandbox cloned from a team repository (lib/sandboxes/repository.ts); not with sandboxId.
    repositoryId: storedText().pipe(z.string().min(1).max(100)).optional(),
    branch: storedText().pipe(z.string().min(1).max(200)).optional(),
    model: setting.optional(),
    mode: setting.optional(),
    thoughtLevel: setting.optional(),
  })
  .strict()
  .refine((body) => !(body.sandboxId && body.repositoryId), {
    path: ["repositoryId"],
    message: "a session continues in a sandbox or starts from a repository, not both",
  })
  .refine((body) => !body.branch || body.repositoryId, { path: ["branch"], message: "needs repositoryId" });

export const listSessionsQuery = z.object({
  teamId: storedText().pipe(z.string().min(1)).optional(),
  status: z.enum(SESSION_STATUSES).optional(),
  archived: z.enum(["exclude", "include", "only"]).default("exclude"),
  agent: storedText().pipe(z.string().min(1).max(100)).optional(),
  createdBy: storedText().pipe(z.string().min(1)).optional(),
  q: storedText().pipe(z.string().max(500)).optional(),
  cursor: cursorParam,
  limit: limitParam,
});

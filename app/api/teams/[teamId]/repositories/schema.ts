import { z } from "zod";
import { cloneTarget, validBranchName } from "@/lib/sandboxes/git-names";
import { storedText } from "@/lib/sessions/stored-text";

// A clone URL is http(s) without credentials in it (the token is its own field, kept sealed), or SSH
// (ssh:// or user@host:path) with a deploy key: one the portal generates, or the admin's own.
const cloneUrl = storedText().pipe(
  z
    .string()
    .trim()
    .max(2000)
    .refine((value) => cloneTarget(value) !== null, "must be an http(s) clone URL without credentials (give the token as `token`), or an SSH one"),
);

const deployKey = z.union([
  z.object({ generate: z.literal(true) }).strict(),
  z.object({ privateKey: storedText().pipe(z.string().min(1).max(16_384)) }).strict(),
]);

export const addRepositoryBody = z
  .object({
    name: storedText().pipe(z.string().trim().min(1, "is required").max(100)),
    url: cloneUrl,
    defaultBranch: storedText().pipe(z.string().trim().min(1).max(200).refine(validBranchName, "must be a valid branch name")).default("main"),
    token: storedText().pipe(z.string().min(1).max(4096)).optional(),
    deployKey: deployKey.optional(),
  })
  .strict()
  .superRefine((body, context) => {
    const ssh = cloneTarget(body.url)?.transport === "ssh";
    if (ssh && body.token) context.addIssue({ code: "custom", path: ["token"], message: "goes with an http(s) clone URL; over SSH give a deployKey" });
    if (ssh && !body.deployKey)
      context.addIssue({ code: "custom", path: ["deployKey"], message: "is required with an SSH clone URL ({generate: true} or {privateKey})" });
    if (!ssh && body.deployKey) context.addIssue({ code: "custom", path: ["deployKey"], message: "goes with an SSH clone URL" });
  });

export const repositoryParams = z.object({ teamId: z.string().min(1).max(200), repoId: z.string().min(1).max(200) });

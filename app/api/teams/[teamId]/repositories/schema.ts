import { z } from "zod";
import { validBranchName } from "@/lib/sandboxes/git-names";
import { storedText } from "@/lib/sessions/stored-text";

// A clone URL is http(s) without credentials in it (the token is its own field, kept sealed).
const cloneUrl = storedText().pipe(
  z
    .string()
    .trim()
    .max(2000)
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password;
      } catch {
        return false;
      }
    }, "must be an http(s) clone URL without credentials (give the token as `token`)"),
);

export const addRepositoryBody = z
  .object({
    name: storedText().pipe(z.string().trim().min(1, "is required").max(100)),
    url: cloneUrl,
    defaultBranch: storedText().pipe(z.string().trim().min(1).max(200).refine(validBranchName, "must be a valid branch name")).default("main"),
    token: storedText().pipe(z.string().min(1).max(4096)).optional(),
  })
  .strict();

export const repositoryParams = z.object({ teamId: z.string().min(1).max(200), repoId: z.string().min(1).max(200) });

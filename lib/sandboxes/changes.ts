import "server-only";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import { ApiError, conflict, notFound, unprocessable } from "@/lib/errors";
import { runInSandbox, readSandboxFile } from "@/lib/sandboxes/in-jail";
import type { SandboxRow } from "@/lib/sandboxes/sandboxes";

// The workspace's changes against its base commit (or its last push), computed by git INSIDE the
// sandbox, as its own user, through the runtime's process API: the workspace and its .git are
// written by the agent, and whatever its config makes git do (fsmonitor, filters, hooks) happens in
// the jail, where the agent can act anyway. What comes back is data, parsed defensively.
//
// Untracked files count (git add -A into an index of the portal's own in the sandbox's home, which
// also keeps git's stat cache between calls, so a large workspace is not hashed again each time).

export type ChangeStatus = "added" | "modified" | "deleted" | "renamed";

export interface ChangeJson {
  path: string;
  status: ChangeStatus;
  oldPath?: string;
  additions: number;
  deletions: number;
  binary: boolean;
}

export const MAX_PATCH_BYTES = 50 * 1024 * 1024;
const MAX_DIFF_BYTES = 2 * 1024 * 1024;
const INDEX = "$HOME/.cache/agent-portal/index";
// Inside the jail: the workspace's git as the sandbox's user, with the portal's own index.
const PREPARE = `set -e; mkdir -p "$HOME/.cache/agent-portal"; export GIT_INDEX_FILE="${INDEX}"; cd "$1"; git add -A -- . ":(exclude,top).sandbox-agent" >/dev/null`;
const DIFF = "git -c core.quotePath=false diff --cached --no-ext-diff --no-textconv --find-renames";

export interface ChangesBase {
  sandbox: SandboxRow & { baseCommit: string; pushedCommit: string | null };
  against: "base" | "push";
  commit: string;
}

/** The commit changes are shown against, or no_repository. */
export async function changesBase(sandbox: SandboxRow, against: "base" | "push" = "base"): Promise<ChangesBase> {
  const row = await db().sandbox.findUnique({ where: { id: sandbox.id }, select: { baseCommit: true, pushedCommit: true } });
  if (!row?.baseCommit) throw conflict("no_repository", "This sandbox did not start from a repository, so there is no base commit to compare with.");
  const commit = against === "push" && row.pushedCommit ? row.pushedCommit : row.baseCommit;
  return { sandbox: { ...sandbox, baseCommit: row.baseCommit, pushedCommit: row.pushedCommit }, against, commit };
}

export async function listChangesOnOwner(sandbox: SandboxRow, against: "base" | "push" = "base") {
  const base = await changesBase(sandbox, against);
  const out = `/tmp/agent-portal-changes-${randomUUID()}`;
  const script = `${PREPARE}; ${DIFF} --numstat -z "$2" > "$3.numstat"; ${DIFF} --name-status -z "$2" > "$3.status"`;
  await runGitScript(sandbox, script, [sandbox.workspace, base.commit, out]);
  const [numstat, status] = await Promise.all([
    readSandboxFile(sandbox, `${out}.numstat`, MAX_PATCH_BYTES),
    readSandboxFile(sandbox, `${out}.status`, MAX_PATCH_BYTES),
  ]);
  void runInSandbox(sandbox, { command: "rm", args: ["-f", `${out}.numstat`, `${out}.status`] }).catch(() => undefined);
  return {
    baseCommit: base.sandbox.baseCommit,
    pushedCommit: base.sandbox.pushedCommit,
    against: base.commit === base.sandbox.baseCommit ? ("base" as const) : ("push" as const),
    items: parseChanges(Buffer.from(status).toString("utf8"), Buffer.from(numstat).toString("utf8")),
  };
}

/** One file's unified diff (with its old path for a rename). */
export async function diffOfPathOnOwner(
  sandbox: SandboxRow,
  { path, oldPath, against }: { path: string; oldPath?: string; against?: "base" | "push" },
): Promise<string> {
  const base = await changesBase(sandbox, against);
  for (const value of [path, oldPath]) if (value !== undefined && (value.startsWith("/") || value.split("/").includes(".."))) throw notFound("Path");
  const paths = oldPath ? [oldPath, path] : [path];
  // Only the asked paths are brought up to date in the index: one file's diff does not hash the workspace.
  const script = `set -e; mkdir -p "$HOME/.cache/agent-portal"; export GIT_INDEX_FILE="${INDEX}"; cd "$1"; shift; base="$1"; shift; git add -A -- "$@" >/dev/null 2>&1 || true; ${DIFF} "$base" -- "$@"`;
  const result = await runInSandbox(sandbox, {
    command: "sh",
    args: ["-c", script, "sh", sandbox.workspace, base.commit, ...paths.map((p) => `:(literal)${p}`)],
    maxOutputBytes: MAX_DIFF_BYTES,
    timeoutMs: 60_000,
  });
  if (result.exitCode !== 0) throw gitFailed(result.stderr);
  if (result.stdoutTruncated)
    throw new ApiError("workspace_too_large", `This file's diff is over ${MAX_DIFF_BYTES / 1024 / 1024} MiB; download the patch instead.`);
  return result.stdout;
}

/** Every change as one patch (binary files included, so `git apply` can take it). */
export async function patchOfOnOwner(sandbox: SandboxRow, against: "base" | "push" = "base"): Promise<Uint8Array> {
  const base = await changesBase(sandbox, against);
  const out = `/tmp/agent-portal-patch-${randomUUID()}`;
  await runGitScript(sandbox, `${PREPARE}; ${DIFF} --binary "$2" > "$3"`, [sandbox.workspace, base.commit, out]);
  try {
    return await readSandboxFile(sandbox, out, MAX_PATCH_BYTES);
  } finally {
    void runInSandbox(sandbox, { command: "rm", args: ["-f", out] }).catch(() => undefined);
  }
}

async function runGitScript(sandbox: SandboxRow, script: string, args: string[]) {
  const result = await runInSandbox(sandbox, { command: "sh", args: ["-c", script, "sh", ...args], timeoutMs: 120_000, maxOutputBytes: 64 * 1024 });
  if (result.timedOut) throw new ApiError("runtime_unavailable", "Computing the changes took too long; try again.", { retryAfterSeconds: 5 });
  if (result.exitCode !== 0) throw gitFailed(result.stderr);
}

function gitFailed(stderr: string) {
  // The agent may have rewritten the repository (its history, its objects): say what git said.
  return unprocessable(`git in the sandbox could not compute the changes: ${stderr.trim().split("\n").slice(-3).join(" ").slice(0, 500) || "no reason given"}`);
}

/**
 * `git diff --name-status -z` and `--numstat -z` output (same order) into change items. Renames
 * come as R<score>\0old\0new in one and as "adds\tdels\t\0old\0new\0" in the other.
 */
export function parseChanges(nameStatus: string, numstat: string): ChangeJson[] {
  const statusParts = nameStatus.split("\0");
  const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>();
  const numParts = numstat.split("\0");
  for (let i = 0; i < numParts.length; i++) {
    const head = numParts[i]!;
    if (!head) continue;
    const [adds, dels, file] = head.split("\t");
    if (adds === undefined || dels === undefined) continue;
    let path = file ?? "";
    if (path === "") {
      // A rename: the old and new path follow as their own fields.
      i += 2;
      path = numParts[i] ?? "";
    }
    const binary = adds === "-" && dels === "-";
    counts.set(path, { additions: binary ? 0 : Number(adds) || 0, deletions: binary ? 0 : Number(dels) || 0, binary });
  }
  const items: ChangeJson[] = [];
  for (let i = 0; i < statusParts.length; i++) {
    const code = statusParts[i]!;
    if (!code) continue;
    const letter = code[0];
    if (letter === "R" || letter === "C") {
      const oldPath = statusParts[++i] ?? "";
      const path = statusParts[++i] ?? "";
      items.push({
        path,
        status: letter === "R" ? "renamed" : "added",
        ...(letter === "R" ? { oldPath } : {}),
        ...(counts.get(path) ?? { additions: 0, deletions: 0, binary: false }),
      });
      continue;
    }
    const path = statusParts[++i] ?? "";
    const status: ChangeStatus = letter === "A" ? "added" : letter === "D" ? "deleted" : "modified";
    items.push({ path, status, ...(counts.get(path) ?? { additions: 0, deletions: 0, binary: false }) });
  }
  return items.sort((a, b) => a.path.localeCompare(b.path));
}

import "server-only";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { db } from "@/lib/db/client";
import { ApiError, conflict, unprocessable } from "@/lib/errors";
import { changesBase } from "@/lib/sandboxes/changes";
import { cloneTarget } from "@/lib/sandboxes/git-names";
import { git, gitReason, GitError, remoteFailure, runGit, validBranchName, withCredential } from "@/lib/sandboxes/git";
import { readSandboxFile, runInSandbox, writeSandboxFile } from "@/lib/sandboxes/in-jail";
import { hostDirsOf, MIRROR, repositoryWithCredential } from "@/lib/sandboxes/repository";
import type { SandboxRow } from "@/lib/sandboxes/sandboxes";
import { recordChange } from "@/lib/sessions/journal";
import { errorField, logger } from "@/lib/log";

const log = logger("push");

// Pushing a workspace's changes to a new branch of its repository, as the member who asks:
//   1. inside the sandbox, git records the workspace's tree (an index of the portal's own, git add
//      -A) in a throwaway commit and bundles it with only the objects the base does not have;
//   2. the portal reads the bundle (data, checked by git's fsck like any fetch) into the sandbox's
//      mirror, a repository it owns and the jail never sees; from the bundle it takes only the tree;
//   3. it commits that tree itself, author and committer the member, on the branch's last push or
//      the base commit (so a second push of the branch fast-forwards), and pushes with the team's
//      credential (lib/sandboxes/git.ts `withCredential`); the workspace's .git and config never take part.

const MAX_BUNDLE_BYTES = 200 * 1024 * 1024;

export interface PushResult {
  branch: string;
  commit: string;
  compareUrl: string | null;
}

export async function pushSandboxOnOwner({
  sandbox,
  user,
  branch,
  message,
  sessionId,
}: {
  sandbox: SandboxRow;
  user: { id: string; name: string | null; email: string };
  branch: string;
  message: string;
  sessionId?: string;
}): Promise<PushResult> {
  if (!validBranchName(branch)) throw unprocessable("That is not a branch name git accepts.", [{ path: "branch", message: "must be a valid branch name" }]);
  const base = await changesBase(sandbox, "base");
  const row = await db().sandbox.findUniqueOrThrow({
    where: { id: sandbox.id },
    select: { repositoryId: true, repositoryBranch: true, pushedBranch: true, pushedCommit: true },
  });
  const repository = row.repositoryId ? await repositoryWithCredential(row.repositoryId) : null;
  if (!repository) throw conflict("no_repository", "This sandbox's repository was removed from the team.");
  const mirror = path.join(hostDirsOf(sandbox).root, MIRROR);
  if (!existsSync(mirror))
    throw new ApiError("instance_unavailable", "This sandbox's repository copy is not on this portal instance's host.", { retryAfterSeconds: 2 });

  // 1. In the sandbox: the workspace's tree, bundled on top of the base commit.
  const bundleInJail = `/tmp/agent-portal-push-${randomUUID()}.bundle`;
  const ref = "refs/agent-portal/push";
  const script = [
    "set -e",
    'mkdir -p "$HOME/.cache/agent-portal"',
    'export GIT_INDEX_FILE="$HOME/.cache/agent-portal/index"',
    'cd "$1"',
    // The runtime's own config (the team's MCP servers and skills) is the portal's, not the change's.
    'git add -A -- . ":(exclude,top).sandbox-agent" >/dev/null',
    "tree=$(git write-tree)",
    'commit=$(GIT_AUTHOR_NAME=portal GIT_AUTHOR_EMAIL=portal@localhost GIT_COMMITTER_NAME=portal GIT_COMMITTER_EMAIL=portal@localhost git commit-tree "$tree" -p "$2" -m portal)',
    `git update-ref ${ref} "$commit"`,
    `git bundle create -q "$3" ${ref} "^$2"`,
  ].join("\n");
  const run = await runInSandbox(sandbox, {
    command: "sh",
    args: ["-c", script, "sh", sandbox.workspace, base.sandbox.baseCommit, bundleInJail],
    timeoutMs: 120_000,
    maxOutputBytes: 64 * 1024,
  });
  if (run.exitCode !== 0) throw unprocessable(`git in the sandbox could not record the changes: ${gitReason(run.stderr)}`);

  // 2. Into the mirror the portal owns.
  const bundle = path.join(hostDirsOf(sandbox).root, `push-${randomUUID()}.bundle`);
  try {
    writeFileSync(bundle, await readSandboxFile(sandbox, bundleInJail, MAX_BUNDLE_BYTES), { mode: 0o600 });
    void runInSandbox(sandbox, { command: "rm", args: ["-f", bundleInJail] }).catch(() => undefined);
    await git(["-C", mirror, "fetch", "-q", "--no-tags", "--", bundle, `+${ref}:${ref}`]).catch((error: unknown) => {
      throw unprocessable(`The sandbox's changes could not be read: ${error instanceof GitError ? gitReason(error.message) : "unreadable bundle"}`);
    });
  } finally {
    rmSync(bundle, { force: true });
  }
  const tree = (await git(["-C", mirror, "rev-parse", "--verify", `${ref}^{tree}`])).trim();
  const parent = row.pushedBranch === branch && row.pushedCommit ? row.pushedCommit : base.sandbox.baseCommit;
  const parentTree = (await git(["-C", mirror, "rev-parse", "--verify", `${parent}^{tree}`])).trim();
  if (tree === parentTree)
    throw conflict(
      "nothing_to_push",
      row.pushedBranch === branch ? `Nothing changed since the last push to ${branch}.` : "The workspace has no changes against its base commit.",
    );

  // 3. The member's commit, pushed with the team's credential.
  const identity = { name: user.name?.trim() || user.email, email: user.email };
  const commit = (
    await git(["-C", mirror, "commit-tree", tree, "-p", parent, "-F", "-"], {
      env: { GIT_AUTHOR_NAME: identity.name, GIT_AUTHOR_EMAIL: identity.email, GIT_COMMITTER_NAME: identity.name, GIT_COMMITTER_EMAIL: identity.email },
      stdin: message,
    })
  ).trim();
  const pushed = await withCredential(repository, (credential) =>
    runGit(["-C", mirror, "push", "--porcelain", "--", repository.url, `${commit}:refs/heads/${branch}`], { ...credential, timeoutMs: 10 * 60_000 }),
  );
  if (pushed.code !== 0)
    throw remoteFailure(
      repository,
      { stderr: pushed.stderr, reason: refusalReason(pushed.stdout, pushed.stderr) },
      "push_refused",
      "The repository refused the push",
    );
  await git(["-C", mirror, "update-ref", `refs/heads/${branch}`, commit]);
  await db().sandbox.update({ where: { id: sandbox.id }, data: { pushedBranch: branch, pushedCommit: commit } });
  await shareCommitWithWorkspace(sandbox, mirror, branch, base.sandbox.baseCommit).catch((error: unknown) =>
    log.error({ sandboxId: sandbox.id, err: errorField(error) }, "the pushed commit did not reach the workspace"),
  );

  const compareUrl = compareUrlOf(repository.url, row.repositoryBranch ?? repository.defaultBranch, branch);
  const target = (
    await db().session.findFirst({
      where: { sandboxId: sandbox.id, ...(sessionId ? { id: sessionId } : {}) },
      orderBy: { createdAt: "desc" },
      select: { id: true },
    })
  )?.id;
  if (target) {
    await recordChange({
      sessionId: target,
      event: { type: "pushed", branch, commit, compareUrl, by: user.id },
      audit: { actorId: user.id, action: "sandbox.push", targetType: "sandbox", targetId: sandbox.id, detail: { branch, commit, repositoryId: repository.id } },
    });
  }
  return { branch, commit, compareUrl };
}

/**
 * The pushed commit, as a bundle written into the sandbox and fetched there, so that changes can be
 * shown against the last push and the member's terminal sees the branch.
 */
async function shareCommitWithWorkspace(sandbox: SandboxRow, mirror: string, branch: string, baseCommit: string) {
  const bundle = path.join(hostDirsOf(sandbox).root, `pushed-${randomUUID()}.bundle`);
  try {
    await git(["-C", mirror, "bundle", "create", "-q", bundle, `refs/heads/${branch}`, `^${baseCommit}`]);
    const inJail = `/tmp/agent-portal-pushed-${randomUUID()}.bundle`;
    await writeSandboxFile(sandbox, inJail, readFileSync(bundle));
    await runInSandbox(sandbox, {
      command: "sh",
      args: ["-c", 'cd "$1" && git fetch -q --no-tags "$2" "+refs/heads/$3:refs/agent-portal/pushed"; rm -f "$2"', "sh", sandbox.workspace, inJail, branch],
      timeoutMs: 60_000,
    });
  } finally {
    rmSync(bundle, { force: true });
  }
}

/** The remote's own reason for refusing: porcelain's `!` line and its `remote:` lines (remoteFailure takes secrets out). */
function refusalReason(stdout: string, stderr: string): string {
  const rejected = stdout.split("\n").filter((line) => line.startsWith("!"));
  // ssh's own refusal (a deploy key the host does not know) has no prefix.
  const remote = stderr.split("\n").filter((line) => /^(remote|error|fatal):/.test(line) || line.includes("Permission denied"));
  return [...remote, ...rejected.map((line) => line.split("\t").slice(1).join(" "))].join("\n") || stderr;
}

/**
 * GitHub, Gitea and Forgejo share the compare page's address; other hosts get none. Over SSH on the
 * standard port (`git@github.com:acme/app.git`) the page is the host's https one.
 */
export function compareUrlOf(url: string, base: string, branch: string): string | null {
  const target = cloneTarget(url);
  let origin: string;
  let repoPath: string;
  if (target?.transport === "ssh") {
    if (target.port !== 22) return null;
    origin = `https://${target.host}`;
    repoPath = url.includes("://") ? new URL(url).pathname : `/${url.slice(url.indexOf(":") + 1).replace(/^\/+/, "")}`;
  } else {
    const parsed = URL.parse(url);
    if (parsed?.protocol !== "https:") return null;
    origin = parsed.origin;
    repoPath = parsed.pathname;
  }
  const repo = repoPath.replace(/\.git$/, "").replace(/\/$/, "");
  return `${origin}${repo}/compare/${encodeURIComponent(base)}...${encodeURIComponent(branch)}`;
}

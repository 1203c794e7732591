import "server-only";
import { chmodSync, chownSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { TeamRepository } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { decodeCursor, encodeCursor, type Page } from "@/lib/db/keyset";
import { ApiError, conflict, notFound, unprocessable } from "@/lib/errors";
import { cloneTarget } from "@/lib/sandboxes/git-names";
import { git, gitReason, GitError, remoteFailure, runGit, withCredential, type RepositoryCredential, validBranchName } from "@/lib/sandboxes/git";
import type { SandboxDirs } from "@/lib/sandboxes/layout";
import { ensureSandboxDisk, sandboxLimits } from "@/lib/sandboxes/limits";
import { sandboxPool } from "@/lib/sandboxes/pool";
import { createSandbox, destroySandboxOnOwner, type SandboxRow } from "@/lib/sandboxes/sandboxes";
import { generateDeployKey, hostKeyFingerprints, importDeployKey, pinHostKeys, publicKeyFingerprint } from "@/lib/sandboxes/ssh-keys";
import { openSecret, sealSecret } from "@/lib/secrets/box";

// A team's repositories, and sandboxes that start as a clone of one. A repository's credential is an
// HTTPS token or, for an SSH clone URL, a deploy key (generated here or pasted) with the host's keys
// pinned when it is saved. The clone is made on the host side before the sandbox first runs, so the
// jail needs no network and the credential never enters it:
//   1. as the portal, into a bare mirror in the sandbox's host directory (which the jail does not
//      see), with the credential given to git as lib/sandboxes/git.ts `withCredential` does;
//   2. the branch, as a bundle, checked out into the still empty workspace by the sandbox's own uid.
// The mirror stays: a push starts from it (lib/sandboxes/push.ts), never from the workspace's .git.

export const MIRROR = "repository.git";

export interface RepositoryJson {
  id: string;
  name: string;
  url: string;
  defaultBranch: string;
  hasToken: boolean;
  credential: "token" | "deployKey" | null;
  /** The deploy key's public half, to copy into the host's "Deploy keys". */
  deployKey: { publicKey: string; fingerprint: string } | null;
  /** The SSH host's keys pinned when the repository was saved; empty over https. */
  hostKeys: Array<{ type: string; fingerprint: string }>;
  createdAt: string;
}

export function repositoryJson(row: TeamRepository): RepositoryJson {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    defaultBranch: row.defaultBranch,
    hasToken: row.encryptedToken !== null,
    credential: row.encryptedSshKey ? "deployKey" : row.encryptedToken ? "token" : null,
    deployKey: row.sshPublicKey ? { publicKey: row.sshPublicKey, fingerprint: publicKeyFingerprint(row.sshPublicKey).fingerprint } : null,
    hostKeys: row.knownHosts ? hostKeyFingerprints(row.knownHosts) : [],
    createdAt: row.createdAt.toISOString(),
  };
}

/** A team's repositories by name (unique in the team), in keyset pages. */
export async function listRepositories({ teamId, cursor, limit }: { teamId: string; cursor?: string; limit: number }): Promise<Page<RepositoryJson>> {
  const after = cursor ? decodeCursor(cursor, 1)[0] : undefined;
  const rows = await db().teamRepository.findMany({
    where: { teamId, ...(after !== undefined ? { name: { gt: after } } : {}) },
    orderBy: [{ name: "asc" }],
    take: limit + 1,
  });
  const items = rows.slice(0, limit).map(repositoryJson);
  return { items, nextCursor: rows.length > limit ? encodeCursor([items.at(-1)!.name]) : null };
}

export async function addRepository({
  teamId,
  actorId,
  name,
  url,
  defaultBranch,
  token,
  deployKey,
}: {
  teamId: string;
  actorId: string;
  name: string;
  url: string;
  defaultBranch: string;
  token?: string;
  /** Over SSH: a key pair made here, or the admin's own private key. */
  deployKey?: { generate: true } | { privateKey: string };
}) {
  const ssh = deployKey ? await sshCredential(url, deployKey, name) : null;
  return db().$transaction(async (tx) => {
    if (await tx.teamRepository.findFirst({ where: { teamId, name }, select: { id: true } }))
      throw conflict("already_exists", "The team has a repository of that name already.");
    const row = await tx.teamRepository.create({
      data: {
        teamId,
        name,
        url,
        defaultBranch,
        encryptedToken: token ? sealSecret(token) : null,
        encryptedSshKey: ssh ? sealSecret(ssh.privateKey) : null,
        sshPublicKey: ssh?.publicKey ?? null,
        knownHosts: ssh?.knownHosts ?? null,
        createdBy: actorId,
      },
    });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "repository.add",
      targetType: "repository",
      targetId: row.id,
      detail: { name, url, defaultBranch, token: Boolean(token), deployKey: ssh ? publicKeyFingerprint(ssh.publicKey).fingerprint : null },
    });
    return repositoryJson(row);
  });
}

export async function removeRepository({ teamId, actorId, repositoryId }: { teamId: string; actorId: string; repositoryId: string }) {
  await db().$transaction(async (tx) => {
    const row = await tx.teamRepository.findFirst({ where: { id: repositoryId, teamId } });
    if (!row) throw notFound("Repository");
    await tx.teamRepository.delete({ where: { id: row.id } });
    await recordAudit(tx, { teamId, actorId, action: "repository.remove", targetType: "repository", targetId: row.id, detail: { name: row.name } });
  });
}

/** The deploy key (made or checked) and the SSH host's keys, read now: first contact pins them. */
async function sshCredential(url: string, deployKey: { generate: true } | { privateKey: string }, name: string) {
  const target = cloneTarget(url);
  if (target?.transport !== "ssh")
    throw unprocessable("A deploy key goes with an SSH clone URL.", [{ path: "url", message: "must be an ssh:// or user@host:path URL" }]);
  const key = "privateKey" in deployKey ? await importDeployKey(deployKey.privateKey) : await generateDeployKey(`agent-portal:${name.replace(/\s+/g, "-")}`);
  return { ...key, knownHosts: await pinHostKeys(target.host, target.port) };
}

/** The repository with its credential opened, for a clone or a push; neither token nor key: a public repository. */
export async function repositoryWithCredential(repositoryId: string): Promise<(TeamRepository & RepositoryCredential) | null> {
  const row = await db().teamRepository.findUnique({ where: { id: repositoryId } });
  if (!row) return null;
  return {
    ...row,
    token: row.encryptedToken ? openSecret(row.encryptedToken) : null,
    sshKey: row.encryptedSshKey ? openSecret(row.encryptedSshKey) : null,
  };
}

/**
 * A new sandbox of the team whose workspace is a clone of the repository's branch, with its base
 * commit recorded. Fails with clone_failed (the remote's reason) or host_key_changed and leaves no
 * sandbox behind.
 */
export async function sandboxFromRepository({ teamId, repositoryId, branch }: { teamId: string; repositoryId: string; branch?: string }): Promise<SandboxRow> {
  const repository = await db().teamRepository.findFirst({ where: { id: repositoryId, teamId } });
  if (!repository) throw unprocessable("That repository does not exist in this team.", [{ path: "repositoryId", message: "must be a repository of the team" }]);
  const wanted = branch ?? repository.defaultBranch;
  if (!validBranchName(wanted)) throw unprocessable("That is not a branch name.", [{ path: "branch", message: "must be a valid branch name" }]);
  const { provider } = sandboxPool();
  if (provider.name !== "bwrap" && provider.name !== "local") {
    throw unprocessable(`Sessions from a repository need the bwrap or local sandbox provider; this portal uses ${provider.name}.`, [
      { path: "repositoryId", message: "not available with this sandbox provider" },
    ]);
  }
  const sandbox = await createSandbox(teamId, { fresh: true });
  try {
    const baseCommit = await cloneInto(sandbox, (await repositoryWithCredential(repository.id))!, wanted);
    await db().sandbox.update({ where: { id: sandbox.id }, data: { repositoryId: repository.id, repositoryBranch: wanted, baseCommit } });
    return sandbox;
  } catch (error) {
    await destroySandboxOnOwner(sandbox.id).catch(() => undefined);
    await db()
      .sandbox.delete({ where: { id: sandbox.id } })
      .catch(() => undefined);
    await provider.removeFiles(sandbox).catch(() => rmSync(hostDirsOf(sandbox).root, { recursive: true, force: true }));
    if (error instanceof GitError) throw new ApiError("clone_failed", `The repository could not be cloned: ${gitReason(error.message)}`);
    throw error;
  }
}

/** Host directories of a sandbox whose workspace the portal fills (bwrap: the jail's; local: the runtime's). */
export function hostDirsOf(sandbox: Pick<SandboxRow, "id" | "seq" | "hostDir">): SandboxDirs {
  const dirs = sandboxPool().provider.hostDirs(sandbox);
  if (!dirs) throw unprocessable("This sandbox provider keeps no workspace on this host.");
  return dirs;
}

async function cloneInto(sandbox: SandboxRow, repository: RepositoryCredential, branch: string): Promise<string> {
  const { provider } = sandboxPool();
  const dirs = hostDirsOf(sandbox);
  const uid = provider.uidOf(sandbox);
  // The clone goes onto the sandbox's own disk (its image, mounted now) so its size counts there.
  if (provider.name === "bwrap") await ensureSandboxDisk(dirs.root, sandboxLimits().disk);
  mkdirSync(dirs.root, { recursive: true, mode: 0o711 });
  chmodSync(dirs.root, 0o711);
  const mirror = path.join(dirs.root, MIRROR);
  mkdirSync(mirror, { mode: 0o700 });
  await git(["init", "-q", "--bare", mirror]);
  const fetched = await withCredential(repository, (credential) =>
    runGit(["-C", mirror, "fetch", "-q", "--no-tags", "--", repository.url, `+refs/heads/${branch}:refs/heads/${branch}`], {
      ...credential,
      timeoutMs: 10 * 60_000,
    }),
  );
  if (fetched.code !== 0) throw remoteFailure(repository, { stderr: fetched.stderr }, "clone_failed", "The repository could not be cloned");
  const baseCommit = (await git(["-C", mirror, "rev-parse", "--verify", `refs/heads/${branch}^{commit}`])).trim();
  // The sandbox's uid reads the branch from a bundle it owns, next to (not in) its workspace.
  const bundle = path.join(dirs.root, "seed.bundle");
  await git(["-C", mirror, "bundle", "create", "-q", bundle, `refs/heads/${branch}`]);
  mkdirSync(dirs.workspace, { recursive: true, mode: 0o700 });
  if (uid !== null) {
    chownSync(bundle, uid, uid);
    chownSync(dirs.workspace, uid, uid);
  }
  try {
    await git(["clone", "-q", "--branch", branch, "--", bundle, dirs.workspace], { uid });
    await git(["-C", dirs.workspace, "remote", "set-url", "origin", repository.url], { uid });
  } finally {
    rmSync(bundle, { force: true });
  }
  return baseCommit;
}

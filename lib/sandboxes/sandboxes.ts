import "server-only";
import type { SandboxJson, WorkspaceEntryJson } from "@/lib/contract/sandboxes";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Sandbox } from "@/generated/prisma/client";
import { keepsProcessPerSession } from "@/lib/agents/catalog";
import { db } from "@/lib/db/client";
import { decodeTimeCursor, encodeTimeCursor } from "@/lib/db/keyset";
import { ApiError, conflict, notFound, tooLarge, unprocessable } from "@/lib/errors";
import { instanceId, ownedSandboxes } from "@/lib/cluster/identity";
import type { RuntimeManager } from "@/lib/runtime/manager";
import { sandboxPool, type QueueListener } from "@/lib/sandboxes/pool";
import { WORKSPACE } from "@/lib/sandboxes/providers/bwrap";
import { recordSandboxStatus } from "@/lib/sandboxes/status";
import { resolveInWorkspace } from "@/lib/sandboxes/workspace-paths";
import { fileUriPath } from "@/lib/sessions/prompt-content";
import { errorField, logger } from "@/lib/log";
import { inTeamsOf, teamRole } from "@/lib/teams/membership";

const log = logger("sandbox");

// Sandboxes of a team: each new session gets a new one, or continues in one of its team's
// (`sandboxId`). The workspace is the boundary: a session's cwd and the files its prompts link are
// paths inside it, and anything else is refused with one answer that says nothing about the host.

export type SandboxRow = Pick<Sandbox, "id" | "teamId" | "seq" | "workspace" | "status" | "provider" | "hostDir">;

const OUTSIDE_WORKSPACE = "must be a path inside the sandbox's workspace";

/** The sandbox a new session runs in: a new one of its team, or the team's sandbox it names. */
export async function sandboxForNewSession({ teamId, sandboxId }: { teamId: string; sandboxId?: string }): Promise<SandboxRow> {
  if (sandboxId) {
    const sandbox = await db().sandbox.findFirst({ where: { id: sandboxId, teamId, status: { not: "destroyed" } } });
    if (!sandbox)
      throw unprocessable("That sandbox does not exist in this team (or it was destroyed).", [{ path: "sandboxId", message: "must be a sandbox of the team" }]);
    return sandbox;
  }
  return createSandbox(teamId);
}

/** `fresh`: never a spare (a workspace the portal fills before the sandbox first runs). */
export async function createSandbox(teamId: string, { fresh = false } = {}): Promise<SandboxRow> {
  const pool = sandboxPool();
  const { provider } = pool;
  // A sandbox of a shared runtime runs as long as that runtime does; one of its own starts on first
  // use, unless a spare one is ready.
  const spare = fresh ? null : pool.claimSpare(teamId);
  const status = !provider.shared && !spare ? "starting" : "running";
  const id = spare?.id ?? randomUUID();
  ownedSandboxes().add(id);
  return db().sandbox.create({
    data: {
      id,
      ...(spare ? { seq: spare.seq } : {}),
      teamId,
      provider: provider.name,
      status,
      workspace: provider.workspaceFor(id),
      ownerId: instanceId(),
      hostDir: provider.hostDirFor(id),
    },
  });
}

/** The absolute path inside the workspace that a requested cwd names, or a 422. */
export function resolveCwd(workspace: string, cwd: string | undefined | null): string {
  if (!cwd) return workspace;
  const resolved = insideWorkspace(workspace, cwd);
  if (!resolved) throw unprocessable("The working directory must be inside the sandbox's workspace.", [{ path: "cwd", message: OUTSIDE_WORKSPACE }]);
  return resolved;
}

/** The workspace path a file:// URI names, or null: `..`, other roots and odd URIs are all outside. */
export function workspacePathOfUri(workspace: string, uri: string): string | null {
  // URL parsing already folds `..` segments; decoded `%2e%2e` ones are folded by insideWorkspace.
  const decoded = fileUriPath(uri);
  return decoded === null ? null : insideWorkspace(workspace, decoded);
}

export function insideWorkspace(workspace: string, requested: string): string | null {
  if (requested.includes("\0")) return null;
  const resolved = path.posix.resolve(workspace, requested);
  return resolved === workspace || resolved.startsWith(`${workspace}/`) ? resolved : null;
}

export const outsideWorkspaceMessage = OUTSIDE_WORKSPACE;

// A session's sandbox does not change; remembered so each runtime call costs no query.
const globalSessions = globalThis as unknown as { portalSessionSandboxes?: Map<string, SandboxRow> };
const sessionSandboxes = (globalSessions.portalSessionSandboxes ??= new Map());
const TOUCH_EVERY_MS = 10_000;
const touched = new Map<string, number>();

/** The session's sandbox (made for sessions from before sandboxes existed). */
export async function sandboxOfSession(sessionId: string): Promise<SandboxRow> {
  const cached = sessionSandboxes.get(sessionId);
  if (cached) return cached;
  const session = await db().session.findUnique({ where: { id: sessionId }, select: { teamId: true, sandbox: true } });
  if (!session) throw notFound("Session");
  let sandbox: SandboxRow | null = session.sandbox;
  if (!sandbox) {
    sandbox = await createSandbox(session.teamId);
    await db().session.update({ where: { id: sessionId }, data: { sandboxId: sandbox.id } });
  }
  sessionSandboxes.set(sessionId, sandbox);
  return sandbox;
}

/** The runtime a session's agent runs on: its sandbox's, started when it is not running (`onQueue` hears its place in line for a slot). */
export async function runtimeForSession(sessionId: string, onQueue?: QueueListener): Promise<RuntimeManager> {
  const sandbox = await sandboxOfSession(sessionId);
  // Its sessions keep their history; nothing runs in a destroyed sandbox again.
  if (sandbox.status === "destroyed") throw conflict("sandbox_destroyed", "This session's sandbox was destroyed; its history is read-only.");
  const manager = await runtimeOfSandbox(sandbox, onQueue);
  const last = touched.get(sandbox.id) ?? 0;
  if (Date.now() - last > TOUCH_EVERY_MS) {
    touched.set(sandbox.id, Date.now());
    void db()
      .sandbox.update({ where: { id: sandbox.id }, data: { lastActiveAt: new Date() } })
      .catch(() => undefined);
  }
  return manager;
}

/**
 * A sandbox's runtime, on the instance that owns it only: commands reach the owner first
 * (lib/cluster/commands.ts), so this refusal means a code path that skipped them.
 */
export function runtimeOfSandbox(sandbox: SandboxRow, onQueue?: QueueListener): Promise<RuntimeManager> {
  if (!ownedSandboxes().has(sandbox.id))
    throw new ApiError("instance_unavailable", "This sandbox runs on another portal instance; try again.", { retryAfterSeconds: 1 });
  return sandboxPool().forSandbox(sandbox, onQueue);
}

/** Without a query: sessions with a running turn have used their sandbox already. */
export function sandboxOfSessionCached(sessionId: string): SandboxRow | undefined {
  return sessionSandboxes.get(sessionId);
}

export function forgetSessionSandbox(sessionId: string) {
  sessionSandboxes.delete(sessionId);
}

// ---- Reading and managing a team's sandboxes (the /api/sandboxes routes) ----

export function sandboxJson(sandbox: Sandbox & { sessionIds: string[] }): SandboxJson {
  return {
    id: sandbox.id,
    teamId: sandbox.teamId,
    provider: sandbox.provider,
    status: sandbox.status,
    // A workspace on this host (local, external) is shown as /workspace: its host path is the portal's business.
    workspace: sandbox.provider === "local" || sandbox.provider === "external" ? WORKSPACE : sandbox.workspace,
    createdAt: sandbox.createdAt.toISOString(),
    lastActiveAt: sandbox.lastActiveAt.toISOString(),
    sessionIds: sandbox.sessionIds,
    repository:
      sandbox.repositoryId && sandbox.repositoryBranch && sandbox.baseCommit
        ? { id: sandbox.repositoryId, branch: sandbox.repositoryBranch, baseCommit: sandbox.baseCommit }
        : null,
    config: { mcpServers: [], skillSources: [], ...(sandbox.appliedConfig as object | null) },
  };
}

export async function listSandboxes({ userId, teamId, cursor, limit }: { userId: string; teamId?: string; cursor?: string; limit: number }) {
  // Another team's id is a team that does not exist for the caller, as for the session list.
  if (teamId && !(await teamRole({ userId, teamId }))) throw notFound("Team");
  const after = cursor ? decodeTimeCursor(cursor) : null;
  const rows = await db().sandbox.findMany({
    where: {
      ...inTeamsOf(userId),
      ...(teamId ? { teamId } : {}),
      ...(after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] } : {}),
    },
    include: { sessions: { select: { id: true }, orderBy: { createdAt: "asc" } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((sandbox) => sandboxJson({ ...sandbox, sessionIds: sandbox.sessions.map((session) => session.id) })),
    nextCursor: rows.length > limit && last ? encodeTimeCursor(last.createdAt, last.id) : null,
  };
}

/** Stops a running sandbox: its sessions become restorable and come back with their files. */
export async function stopSandboxOnOwner(sandbox: SandboxRow) {
  if (sandbox.status === "destroyed") throw conflict("sandbox_destroyed", "The sandbox is destroyed.");
  await sandboxPool().stop(sandbox.id, "admin");
}

/**
 * Destroys a sandbox: its sessions are destroyed (history kept), its runtime stops, and its files
 * are kept for PORTAL_SANDBOX_RETAIN_DAYS before removeExpiredWorkspaces deletes them.
 */
export async function destroySandboxOnOwner(sandboxId: string) {
  await sandboxPool().stop(sandboxId, "destroy");
  await recordSandboxStatus(sandboxId, "destroyed");
  for (const [sessionId, sandbox] of sessionSandboxes) if (sandbox.id === sandboxId) sessionSandboxes.delete(sessionId);
}

/** Destroying the last live session of a sandbox destroys the sandbox; true when it did. */
export async function destroySandboxIfUnused(sandboxId: string | null): Promise<boolean> {
  if (!sandboxId) return false;
  const live = await db().session.count({ where: { sandboxId, status: { not: "destroyed" } } });
  if (live === 0) await destroySandboxOnOwner(sandboxId);
  return live === 0;
}

/**
 * After a session of `agent` is destroyed: its sandbox goes when no live session is left in it;
 * otherwise an agent that keeps a process per session has its processes released, or sessions
 * nobody can use would fill the sandbox's memory until its limit ends every session in it.
 */
export async function settleSandboxAfterDestroy(sandboxId: string | null, agent: string) {
  if (!sandboxId || (await destroySandboxIfUnused(sandboxId))) return;
  if (keepsProcessPerSession(agent)) sandboxPool().releaseAgents(sandboxId);
}

export async function removeExpiredWorkspaces(retainDays: number) {
  const expired = await db().sandbox.findMany({
    where: { status: "destroyed", destroyedAt: { lt: new Date(Date.now() - retainDays * 86_400_000) } },
    select: { id: true, seq: true, hostDir: true },
  });
  for (const sandbox of expired)
    await removeSandboxFiles(sandbox).catch((error: unknown) =>
      log.error({ sandboxId: sandbox.id, err: errorField(error) }, "removing an expired sandbox failed"),
    );
  return expired.length;
}

/** A destroyed sandbox's files (its workspace, home and disk), removed for good. */
export function removeSandboxFiles(sandbox: { id: string; seq: number; hostDir: string | null }) {
  return sandboxPool().removeFiles(sandbox);
}

// ---- Files of a workspace, read through the sandbox's own runtime (its view, not the host's) ----

export const MAX_FILE_BYTES = 1024 * 1024;

export async function listWorkspaceOnOwner(sandbox: SandboxRow, requested: string | undefined): Promise<{ items: WorkspaceEntryJson[] }> {
  const dir = workspaceFileOrNotFound(sandbox, requested);
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  let entries;
  try {
    entries = await sdk.listFsEntries({ path: dir });
  } catch {
    throw notFound("Path");
  }
  const root = sandbox.workspace;
  return {
    items: entries
      // The runtime describes a link by its target: one that leads out of the workspace is not shown.
      .filter((entry) => workspaceFile(sandbox, path.posix.join(dir, entry.name)) !== null)
      .map((entry) => ({
        name: entry.name,
        path: path.posix.relative(root, path.posix.join(dir, entry.name)) || ".",
        type: entry.entryType === "directory" ? ("dir" as const) : ("file" as const),
        size: entry.size ?? 0,
        modifiedAt: entry.modified ? new Date(entry.modified).toISOString() : null,
      }))
      .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === "dir" ? -1 : 1)),
  };
}

export async function readWorkspaceFileOnOwner(sandbox: SandboxRow, requested: string) {
  const file = workspaceFileOrNotFound(sandbox, requested);
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  let stat;
  try {
    stat = await sdk.statFs({ path: file });
  } catch {
    throw notFound("File");
  }
  if (stat.entryType !== "file") throw notFound("File");
  if ((stat.size ?? 0) > MAX_FILE_BYTES) throw tooLarge(`The file is over the ${MAX_FILE_BYTES / 1024} KiB shown here.`);
  return sdk.readFsFile({ path: file });
}

function workspaceFileOrNotFound(sandbox: SandboxRow, requested: string | undefined) {
  const resolved = workspaceFile(sandbox, requested ?? ".");
  // The runtime's config there holds the team's MCP header secrets (lib/sandboxes/team-config.ts).
  if (!resolved || resolved.startsWith(`${sandbox.workspace}/.sandbox-agent/config`)) throw notFound("Path");
  return resolved;
}

/**
 * The workspace path to hand the runtime, its links resolved, or null when outside. A workspace on
 * this host (bwrap, local) is checked component by component (lib/sandboxes/workspace-paths.ts); an
 * external runtime's or a hosted provider's cannot be seen from here, and only the lexical check applies.
 */
function workspaceFile(sandbox: SandboxRow, requested: string): string | null {
  const lexical = insideWorkspace(sandbox.workspace, requested);
  if (!lexical) return null;
  const hostWorkspace = sandbox.provider === "external" ? null : sandboxPool().provider.workspaceOnHost(sandbox);
  return hostWorkspace === null ? lexical : resolveInWorkspace({ hostWorkspace, workspace: sandbox.workspace, requested: lexical });
}

/** The team's sandboxes for its page, newest first, with their sessions and the workspace's disk use. */
export async function teamSandboxesForPage({ teamId }: { teamId: string }) {
  const pool = sandboxPool();
  const sandboxes = await db().sandbox.findMany({
    where: { teamId },
    include: { sessions: { select: { id: true, title: true, status: true }, orderBy: { createdAt: "asc" } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 200,
  });
  return sandboxes.map((sandbox) => {
    const workspace = pool.provider.workspaceOnHost(sandbox);
    return {
      ...sandbox,
      stoppable: !pool.provider.shared && pool.isRunning(sandbox.id),
      diskBytes: workspace && existsSync(workspace) ? diskUse(workspace) : null,
    };
  });
}

/** Bytes under a directory (`du`, bounded in time so a huge workspace cannot stall the page). */
function diskUse(dir: string): number | null {
  const result = spawnSync("du", ["-sb", dir], { encoding: "utf8", timeout: 2_000 });
  const bytes = Number(result.stdout?.split("\t")[0]);
  return result.status === 0 && Number.isFinite(bytes) ? bytes : null;
}

/** A sandbox that is not destroyed, of one of these teams, or null (an id from the address bar). */
export async function liveSandboxOfTeams({ sandboxId, teamIds }: { sandboxId: string; teamIds: string[] }) {
  if (sandboxId.length > 100 || sandboxId.includes("\0")) return null;
  return db().sandbox.findFirst({ where: { id: sandboxId, teamId: { in: teamIds }, status: { not: "destroyed" } }, select: { id: true, teamId: true } });
}

import "server-only";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Sandbox } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import { notFound, unprocessable } from "@/lib/errors";
import type { RuntimeManager } from "@/lib/runtime/manager";
import { WORKSPACE } from "@/lib/sandboxes/bwrap";
import { sandboxDirs } from "@/lib/sandboxes/layout";
import { sandboxRuntimes } from "@/lib/sandboxes/runtimes";

// Sandboxes of a team: each new session gets a new one, or continues in one of its team's
// (`sandboxId`). The workspace is the boundary: a session's cwd and the files its prompts link are
// paths inside it, and anything else is refused with one answer that says nothing about the host.

export type SandboxRow = Pick<Sandbox, "id" | "teamId" | "seq" | "workspace" | "status" | "provider">;

const OUTSIDE_WORKSPACE = "must be a path inside the sandbox's workspace";

/** The sandbox a new session runs in: a new one of its team, or the team's sandbox it names. */
export async function sandboxForNewSession({ teamId, sandboxId }: { teamId: string; sandboxId?: string }): Promise<SandboxRow> {
  if (sandboxId) {
    const sandbox = await db().sandbox.findFirst({ where: { id: sandboxId, teamId, status: { not: "destroyed" } } });
    if (!sandbox) throw unprocessable("That sandbox does not exist in this team (or it was destroyed).", [{ path: "sandboxId", message: "must be a sandbox of the team" }]);
    return sandbox;
  }
  return createSandbox(teamId);
}

async function createSandbox(teamId: string): Promise<SandboxRow> {
  const runtimes = sandboxRuntimes();
  const created = await db().sandbox.create({ data: { teamId, provider: runtimes.provider, workspace: "" } });
  // In a jail the workspace is /workspace; a runtime on this host sees the directory itself.
  const workspace = runtimes.provider === "bwrap" ? WORKSPACE : sandboxDirs(runtimes.config.sandboxesRoot, created.id).workspace;
  if (runtimes.provider !== "bwrap") mkdirSync(workspace, { recursive: true });
  return db().sandbox.update({ where: { id: created.id }, data: { workspace } });
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
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== "file:" || (url.host !== "" && url.host !== "localhost")) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  // URL parsing already folds `..` segments; decoded `%2e%2e` ones are folded by insideWorkspace.
  return insideWorkspace(workspace, decoded);
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

/** The runtime a session's agent runs on: its sandbox's, started when it is not running. */
export async function runtimeForSession(sessionId: string): Promise<RuntimeManager> {
  const sandbox = await sandboxOfSession(sessionId);
  const manager = await sandboxRuntimes().forSandbox(sandbox);
  const last = touched.get(sandbox.id) ?? 0;
  if (Date.now() - last > TOUCH_EVERY_MS) {
    touched.set(sandbox.id, Date.now());
    void db().sandbox.update({ where: { id: sandbox.id }, data: { lastActiveAt: new Date() } }).catch(() => undefined);
  }
  return manager;
}

/** Without a query: sessions with a running turn have used their sandbox already. */
export function sandboxOfSessionCached(sessionId: string): SandboxRow | undefined {
  return sessionSandboxes.get(sessionId);
}

export function forgetSessionSandbox(sessionId: string) {
  sessionSandboxes.delete(sessionId);
}

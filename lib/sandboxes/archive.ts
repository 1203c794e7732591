import "server-only";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { ApiError, notFound, unprocessable } from "@/lib/errors";
import { sandboxPool } from "@/lib/sandboxes/pool";
import type { SandboxRow } from "@/lib/sandboxes/sandboxes";

// The whole workspace as a tar.gz. tar runs on the owner as the sandbox's own uid (what it reads is
// what the sandbox could read; a planted symlink is archived as a link, never followed) with an
// empty environment, on the host directory of the workspace: it works with the sandbox stopped.
// The owner hands the archive out in chunks, one command each (lib/cluster/commands.ts
// `workspaceArchive`), so that any instance can stream it: tar waits while nobody reads, and an
// archive not read for a while (its download abandoned) is ended.

export const MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024;
/** What one read returns at most (plus one pipe read): a command's answer travels through PostgreSQL. */
const CHUNK_BYTES = 1024 * 1024;
const IDLE_MS = 60_000;

interface OpenArchive {
  sandboxId: string;
  child: ChildProcess;
  chunks: AsyncIterator<Buffer>;
  exited: Promise<number | null>;
  offset: number;
  idle: NodeJS.Timeout;
}

// On globalThis: a forwarded read runs in the boot bundle, a local one in the route's, each with its own module copy.
const globalArchives = globalThis as unknown as { portalOpenArchives?: Map<string, OpenArchive> };
const open = (globalArchives.portalOpenArchives ??= new Map());

export interface ArchiveChunk {
  archiveId: string;
  data: Uint8Array;
  done: boolean;
}

/**
 * The next chunk of the sandbox's archive, run on its owner: without an id, a new archive (the size
 * checked first, so that a too large workspace is a problem before anything is sent); with one, the
 * bytes from `offset`, which must be where the last read ended.
 */
export async function readArchiveOnOwner({ sandbox, archiveId, offset }: { sandbox: SandboxRow; archiveId?: string; offset: number }): Promise<ArchiveChunk> {
  const id = archiveId ?? startArchive(sandbox);
  const archive = open.get(id);
  if (!archive || archive.sandboxId !== sandbox.id) throw notFound("Archive");
  if (archive.offset !== offset) {
    end(id);
    throw unprocessable(`The archive was read out of order (at ${offset}, expected ${archive.offset}).`);
  }
  clearTimeout(archive.idle);
  const parts: Buffer[] = [];
  let size = 0;
  let done = false;
  try {
    while (size < CHUNK_BYTES) {
      const next = await archive.chunks.next();
      if (next.done) {
        done = true;
        break;
      }
      parts.push(next.value);
      size += next.value.length;
    }
    archive.offset += size;
    // Grew past the limit while being read: cut off, and the download fails rather than lie.
    if (archive.offset > MAX_ARCHIVE_BYTES) throw new Error("archive over the limit");
    // tar exits 1 when a file changed while it was read: the archive is still whole.
    const code = done ? await archive.exited : 0;
    if (code !== 0 && code !== 1) throw new Error(`tar exited with ${code}`);
  } catch (error) {
    end(id);
    throw error;
  }
  if (done) end(id);
  else archive.idle = setTimeout(() => end(id), IDLE_MS).unref();
  return { archiveId: id, data: new Uint8Array(Buffer.concat(parts)), done };
}

function end(id: string) {
  const archive = open.get(id);
  if (!archive) return;
  open.delete(id);
  clearTimeout(archive.idle);
  if (archive.child.exitCode === null) archive.child.kill("SIGKILL");
}

function startArchive(sandbox: SandboxRow): string {
  const { provider } = sandboxPool();
  const dirs = provider.hostDirs(sandbox);
  if (!dirs) throw unprocessable(`Workspace archives need the bwrap or local sandbox provider; this portal uses ${provider.name}.`);
  const { workspace } = dirs;
  if (!existsSync(workspace))
    throw new ApiError("instance_unavailable", "This sandbox's workspace is not on this portal instance's host.", { retryAfterSeconds: 2 });
  const uid = provider.uidOf(sandbox);
  const asSandbox = (command: string[]) =>
    uid === null ? command : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--", ...command];
  const env = { PATH: "/usr/bin:/bin", LC_ALL: "C" } as unknown as NodeJS.ProcessEnv;
  const [duCommand, ...duArgs] = asSandbox(["du", "-sb", "--", "."]);
  const du = spawnSync(duCommand!, duArgs, { cwd: workspace, env, encoding: "utf8", timeout: 30_000 });
  const bytes = Number(du.stdout?.split("\t")[0]);
  if (Number.isFinite(bytes) && bytes > MAX_ARCHIVE_BYTES)
    throw new ApiError(
      "workspace_too_large",
      `The workspace is ${Math.round(bytes / 1024 / 1024)} MiB, over the ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB archive limit.`,
    );
  const [command, ...args] = asSandbox(["tar", "--create", "--gzip", "--file=-", "--one-file-system", "--exclude=./.sandbox-agent", "--", "."]);
  const child = spawn(command!, args, { cwd: workspace, env, stdio: ["ignore", "pipe", "ignore"] });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const id = randomUUID();
  open.set(id, {
    sandboxId: sandbox.id,
    child,
    // The iterator reads only when asked: tar stops on a full pipe between reads.
    chunks: (child.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator](),
    exited,
    offset: 0,
    idle: setTimeout(() => end(id), IDLE_MS).unref(),
  });
  return id;
}

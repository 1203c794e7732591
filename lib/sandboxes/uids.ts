import "server-only";
import { createHash } from "node:crypto";
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { ensureHostStateDir } from "@/lib/host-state";

// As root every sandbox runs as a uid of its own, unique on this host even across portal instances
// on different databases: a host-wide table under the host state dir, one file per uid taken, made
// with O_EXCL (the kernel decides which of two instances gets a uid, no lock to go stale). A
// sandbox is known by its directory, which is unique on the host (two data dirs never share one):
// `by-uid/<uid>` holds that directory, `by-dir/<hash of it>` the uid. Both go when its files do.

export const SANDBOX_UID_BASE = 200_000;
// Room for this many sandboxes on one host; the scan wraps around to reuse freed uids.
const SANDBOX_UID_COUNT = 1_000_000;

function table() {
  const dir = path.join(ensureHostStateDir(), "sandbox-uids");
  const byUid = path.join(dir, "by-uid");
  const byDir = path.join(dir, "by-dir");
  for (const each of [dir, byUid, byDir]) mkdirSync(each, { recursive: true, mode: 0o700 });
  return { byUid, byDir };
}

function dirKey(sandboxDir: string) {
  return createHash("sha256").update(path.resolve(sandboxDir)).digest("hex");
}

/**
 * The uid of the sandbox whose directory is `sandboxDir`: the one it has, else a free one — the uid
 * that already owns its workspace when that is free (a sandbox made before this table keeps its
 * files' owner), else the next free one.
 */
export function sandboxUid(sandboxDir: string): number {
  const { byUid, byDir } = table();
  const keyFile = path.join(byDir, dirKey(sandboxDir));
  const known = readUid(keyFile);
  if (known !== null) return known;
  sweepOnce(byUid, byDir);
  const previous = previousOwner(sandboxDir);
  let uid = previous !== null && claim(byUid, previous, sandboxDir) ? previous : null;
  if (uid === null) {
    const start = readdirSync(/*turbopackIgnore: true*/ byUid).length;
    for (let step = 0; step < SANDBOX_UID_COUNT && uid === null; step++) {
      const candidate = SANDBOX_UID_BASE + 1 + ((start + step) % SANDBOX_UID_COUNT);
      if (claim(byUid, candidate, sandboxDir)) uid = candidate;
    }
    if (uid === null) throw new Error(`no free sandbox uid left on this host (${SANDBOX_UID_COUNT} taken)`);
  }
  // Two instances on one data dir may claim for the same sandbox at once: the first key file wins.
  if (!createExclusive(keyFile, String(uid))) {
    rmSync(path.join(byUid, String(uid)), { force: true });
    return readUid(keyFile) ?? sandboxUid(sandboxDir);
  }
  return uid;
}

/** Frees the sandbox's uid (its files were removed). */
export function releaseSandboxUid(sandboxDir: string) {
  const { byUid, byDir } = table();
  const keyFile = path.join(byDir, dirKey(sandboxDir));
  const uid = readUid(keyFile);
  if (uid === null) return;
  const holder = path.join(byUid, String(uid));
  if (readText(holder) === path.resolve(sandboxDir)) rmSync(holder, { force: true });
  rmSync(keyFile, { force: true });
}

const swept = globalThis as unknown as { portalSandboxUidsSwept?: boolean };
// A uid just claimed has no directory yet: only entries this old whose directory is gone are stale.
const STALE_AFTER_MS = 10 * 60_000;

/**
 * Once per process: uids of sandboxes whose directory is gone without removeFiles (a data dir deleted
 * by hand, a test's temporary one) go back to the pool.
 */
function sweepOnce(byUid: string, byDir: string) {
  if (swept.portalSandboxUidsSwept) return;
  swept.portalSandboxUidsSwept = true;
  for (const name of readdirSync(byUid)) {
    const holder = path.join(byUid, name);
    const dir = readText(holder);
    try {
      if (!dir || existsSync(/*turbopackIgnore: true*/ dir) || Date.now() - lstatSync(holder).mtimeMs < STALE_AFTER_MS) continue;
      const keyFile = path.join(byDir, dirKey(dir));
      if (readText(keyFile) === name) rmSync(keyFile, { force: true });
      rmSync(holder, { force: true });
    } catch {
      // taken or freed meanwhile by another instance
    }
  }
}

function claim(byUid: string, uid: number, sandboxDir: string): boolean {
  return createExclusive(path.join(byUid, String(uid)), path.resolve(sandboxDir));
}

function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function readUid(file: string): number | null {
  const uid = Number(readText(file));
  return Number.isInteger(uid) && uid > SANDBOX_UID_BASE - 1 ? uid : null;
}

/** The sandbox uid that owns an existing sandbox's workspace (lstat: nothing followed), if any. */
function previousOwner(sandboxDir: string): number | null {
  try {
    const owner = lstatSync(path.join(sandboxDir, "workspace")).uid;
    return owner >= SANDBOX_UID_BASE && owner <= SANDBOX_UID_BASE + SANDBOX_UID_COUNT ? owner : null;
  } catch {
    return null;
  }
}

import "server-only";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import path from "node:path";

// A root portal keeps here what the users it runs others as (postgres, sandbox uids) must reach
// when its checkout or PORTAL_DATA_DIR sits behind a directory they cannot enter.

export const HOST_STATE_DIR = "/var/lib/agent-portal";

/** The host directory that belongs to one data dir (the same checkout finds it again on the next start). */
export function hostStateDirFor(dataDir: string): string {
  const key = createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 12);
  return path.join(HOST_STATE_DIR, key);
}

/** Creates HOST_STATE_DIR root-owned and traversable by everyone, and returns it. */
export function ensureHostStateDir(): string {
  mkdirSync(HOST_STATE_DIR, { recursive: true, mode: 0o755 });
  chmodSync(HOST_STATE_DIR, 0o755);
  return HOST_STATE_DIR;
}

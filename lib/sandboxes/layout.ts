import "server-only";
import { statSync } from "node:fs";
import path from "node:path";
import { hostStateDirFor } from "@/lib/host-state";

// Where sandboxes live on the host. A sandbox's uid must be able to reach its directories, and when
// the data dir sits under a directory others cannot enter (a clone under /root, mode 700), root keeps
// them in /var/lib/agent-portal instead.

export interface SandboxDirs {
  root: string;
  opt: string;
  workspace: string;
  home: string;
  run: string;
}

export function sandboxesRoot(dataDir: string): string {
  const inDataDir = path.join(dataDir, "sandboxes");
  if (process.getuid?.() !== 0 || reachableByOthers(dataDir)) return inDataDir;
  return path.join(hostStateDirFor(dataDir), "sandboxes");
}

/** A sandbox's directories: its own under `dir` (where it was first made), the agent binaries under root. */
export function sandboxDirs(root: string, sandboxId: string, dir = path.join(root, sandboxId)): SandboxDirs {
  return { root: dir, opt: path.join(root, "opt"), workspace: path.join(dir, "workspace"), home: path.join(dir, "home"), run: path.join(dir, "run") };
}

/** Every directory from / down to dir lets others pass (o+x). */
export function reachableByOthers(dir: string): boolean {
  let current = path.resolve(dir);
  for (;;) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      // not created yet: its parent decides
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

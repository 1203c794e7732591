import { lstatSync, readlinkSync } from "node:fs";
import path from "node:path";

// A workspace path as the Files API may serve it: every symbolic link on the way resolved by the
// portal itself, on the host's view of the workspace, and the result required to stay inside. The
// sandbox's runtime reads the files (its view), and its file API follows links anywhere the jail can
// see (`l_env → /proc/1/environ`, `up → ..`); it never gets a path with a link left in it.
// Only lstat and readlink run here (as root for bwrap): nothing is opened or followed on the host.

const MAX_LINKS = 40; // as the kernel's own limit on links followed in one lookup

/**
 * The link-free path inside `workspace` (as the sandbox sees it) that `requested` names, or null when
 * it is missing or a link leads out. `hostWorkspace` is where the same directory is on this host.
 */
export function resolveInWorkspace({ hostWorkspace, workspace, requested }: { hostWorkspace: string; workspace: string; requested: string }): string | null {
  if (requested.includes("\0")) return null;
  const start = path.posix.resolve(workspace, requested);
  const within = (absolute: string) => {
    const relative = path.posix.relative(workspace, absolute);
    return relative === "" ? [] : relative === ".." || relative.startsWith("../") || path.posix.isAbsolute(relative) ? null : relative.split("/");
  };
  let pending = within(start);
  if (!pending) return null;
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (resolved.length === 0) return null;
      resolved.pop();
      continue;
    }
    let stat;
    try {
      stat = lstatSync(path.join(hostWorkspace, ...resolved, part));
    } catch {
      return null;
    }
    if (!stat.isSymbolicLink()) {
      // Only a directory can have more below it.
      if (pending.length > 0 && !stat.isDirectory()) return null;
      resolved.push(part);
      continue;
    }
    if ((links += 1) > MAX_LINKS) return null;
    let target: string;
    try {
      target = readlinkSync(path.join(hostWorkspace, ...resolved, part));
    } catch {
      return null;
    }
    // An absolute target is a path as the sandbox sees it; a relative one starts where the link is.
    const next = within(path.posix.isAbsolute(target) ? path.posix.normalize(target) : path.posix.join(workspace, ...resolved, target));
    if (!next) return null;
    resolved.length = 0;
    pending = [...next, ...pending];
  }
  return path.posix.join(workspace, ...resolved);
}

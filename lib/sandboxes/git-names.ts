// Shared by route schemas and lib/sandboxes/git.ts (no server-only: it is pure).

/** A branch name git accepts and that cannot be read as an option. */
export function validBranchName(name: string): boolean {
  return (
    /^[A-Za-z0-9._/-]{1,200}$/.test(name) &&
    !name.startsWith("-") &&
    !name.startsWith("/") &&
    !name.endsWith("/") &&
    !name.endsWith(".lock") &&
    !name.endsWith(".") &&
    !name.includes("..") &&
    !name.includes("//") &&
    !name.includes("@{") &&
    !name.split("/").some((part) => part.startsWith("."))
  );
}

/** Where a clone URL leads: over http(s) (a token may go with it) or over SSH (a deploy key does). */
export type CloneTarget = { transport: "http" } | { transport: "ssh"; host: string; port: number };

const HOST = /^(?!-)[A-Za-z0-9.-]{1,253}$/;
const SSH_USER = /^[A-Za-z0-9._-]{1,64}$/;
// scp-like `user@host:path` (GitHub's and GitLab's "SSH" address): a colon before any slash.
const SCP_LIKE = /^(?:([^@/:\s]+)@)?([^@/:\s]+):(?!\/\/)(\S+)$/;

/**
 * The clone URL's transport and, over SSH, the host and port whose keys are pinned; null when it is
 * neither, carries a password, or has a host, user or path git or ssh could read as an option.
 */
export function cloneTarget(url: string): CloneTarget | null {
  if (/[\s\0-\x1f\x7f]/.test(url)) return null;
  const scp = SCP_LIKE.exec(url);
  if (scp && !url.includes("://")) {
    const [, user, host, repoPath] = scp;
    if ((user !== undefined && !SSH_USER.test(user)) || !HOST.test(host!) || repoPath!.startsWith("-")) return null;
    return { transport: "ssh", host: host!, port: 22 };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.password) return null;
  if (parsed.protocol === "https:" || parsed.protocol === "http:") return parsed.username ? null : { transport: "http" };
  if (parsed.protocol !== "ssh:") return null;
  const user = decodeURIComponent(parsed.username);
  if ((user && !SSH_USER.test(user)) || !HOST.test(parsed.hostname) || parsed.pathname.length < 2 || parsed.pathname.startsWith("/-")) return null;
  return { transport: "ssh", host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 22 };
}

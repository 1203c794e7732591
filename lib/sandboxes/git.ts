import "server-only";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ApiError } from "@/lib/errors";
import { hostKeyFingerprints, withPrivateDir } from "@/lib/sandboxes/ssh-keys";

// Git on the host side, hardened. It runs only on directories the portal owns (a repository's
// mirror in the sandbox's host directory, which the jail never sees) or, as the sandbox's own uid,
// on a workspace the sandbox has not run in yet (the first checkout). Never as root on anything a
// sandbox could have written: a planted .git/config (core.fsmonitor, hooks, filters, aliases) or a
// symlink would run code or write files as root.
//
// Each git gets a minimal environment (none of the portal's secrets), no system or global config,
// an empty HOME, and command-line settings that switch off every way config runs programs. A secret
// (a repository token) reaches git as a config value in its environment (GIT_CONFIG_KEY_n), never
// in argv (which `ps` shows every local user) nor in any file; a deploy key, which ssh reads only
// from a file, is a mode-600 file in a private directory removed when git is done.

export interface GitOptions {
  cwd?: string;
  /** Run as this uid (and gid) with no supplementary groups and no capabilities; null: the portal's own. */
  uid?: number | null;
  /** Extra config given through the environment: invisible in `ps`, never written to a config file. */
  config?: Record<string, string>;
  /** Extra environment (author identity). */
  env?: Record<string, string>;
  /** Allow this network transport (clone and push): http(s), or ssh with a deploy key. */
  network?: "http" | "ssh";
  timeoutMs?: number;
  /** Text for git's stdin (a commit message). */
  stdin?: string;
  /** Cap on captured stdout; more is an error. */
  maxOutputBytes?: number;
}

export interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const HARDENING = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.sshCommand=false",
  "-c",
  "core.askPass=",
  "-c",
  "credential.helper=",
  "-c",
  "protocol.ext.allow=never",
  "-c",
  "protocol.file.allow=user",
  "-c",
  "transfer.fsckObjects=true",
  "-c",
  "core.pager=cat",
  "-c",
  "gc.auto=0",
];

function emptyHome(): string {
  const dir = path.join(os.tmpdir(), "agent-portal-git-home");
  mkdirSync(dir, { recursive: true, mode: 0o555 });
  return dir;
}

export function runGit(args: string[], options: GitOptions = {}): Promise<GitResult> {
  const env: Record<string, string> = {
    PATH: "/usr/bin:/bin",
    HOME: emptyHome(),
    LANG: "C",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    GIT_NO_REPLACE_OBJECTS: "1",
    GIT_OPTIONAL_LOCKS: "0",
    // Only these transports; no ext::, no file:// from a remote's redirect, ssh only with a pinned host.
    GIT_ALLOW_PROTOCOL: options.network === "ssh" ? "ssh" : options.network === "http" ? "http:https" : "file",
    ...options.env,
  };
  const config = Object.entries(options.config ?? {});
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  const gitArgs = [...HARDENING, ...args];
  const uid = options.uid ?? null;
  const [command, ...rest] =
    uid === null ? ["git", ...gitArgs] : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--", "git", ...gitArgs];
  const maxOutput = options.maxOutputBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, rest, {
      cwd: options.cwd ?? "/",
      env: env as NodeJS.ProcessEnv,
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let overflow = false;
    child.stdout!.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOutput) {
        overflow = true;
        child.kill("SIGKILL");
      } else out.push(chunk);
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      if (err.reduce((sum, part) => sum + part.length, 0) < 64 * 1024) err.push(chunk);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (overflow) return reject(new Error(`git output over ${maxOutput} bytes`));
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

/** Runs git and returns its stdout, or throws with its stderr (after `redact`). */
export async function git(args: string[], options: GitOptions = {}): Promise<string> {
  const result = await runGit(args, options);
  if (result.code !== 0) throw new GitError(result.stderr.trim() || `git exited with ${result.code}`);
  return result.stdout;
}

export class GitError extends Error {}

/** A repository's address and its opened credential: a token (http), or a deploy key and the host keys pinned for it (ssh). */
export interface RepositoryCredential {
  url: string;
  token: string | null;
  sshKey: string | null;
  knownHosts: string | null;
}

/**
 * Runs `withOptions` with the git options that reach the repository with its credential. A token is the
 * Authorization header (GitHub, Gitea, GitLab accept Basic with the token as password) in git's
 * environment. A deploy key is a file only the portal can read, beside the pinned host keys, and
 * GIT_SSH_COMMAND names both (it overrides the hardening's core.sshCommand): that key only, no agent,
 * no config file, and a host whose key is not the pinned one is refused.
 */
export async function withCredential<T>(repository: RepositoryCredential, withOptions: (options: GitOptions) => Promise<T>): Promise<T> {
  const { token, sshKey, knownHosts } = repository;
  if (!sshKey) {
    const config: Record<string, string> = token
      ? { "http.extraHeader": `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}` }
      : {};
    return withOptions({ network: "http", config });
  }
  return withPrivateDir(async (dir) => {
    const keyFile = path.join(dir, "key");
    const knownFile = path.join(dir, "known_hosts");
    writeFileSync(keyFile, sshKey, { mode: 0o600 });
    writeFileSync(knownFile, knownHosts ?? "", { mode: 0o600 });
    const sshCommand = [
      "ssh -F /dev/null",
      `-i '${keyFile}'`,
      "-o IdentitiesOnly=yes -o IdentityAgent=none",
      `-o UserKnownHostsFile='${knownFile}' -o GlobalKnownHostsFile=/dev/null`,
      "-o StrictHostKeyChecking=yes -o UpdateHostKeys=no -o BatchMode=yes -o ConnectTimeout=20",
    ].join(" ");
    return withOptions({ network: "ssh", env: { GIT_SSH_COMMAND: sshCommand, GIT_SSH_VARIANT: "ssh" } });
  });
}

/**
 * Why a clone or push failed, for a person: a host whose key is not the one pinned when the
 * repository was saved is a problem of its own (never accepted silently); anything else is
 * `problem` with `reason` (the remote's words; all of stderr unless given), the credential taken out.
 */
export function remoteFailure(
  repository: RepositoryCredential,
  { stderr, reason = stderr }: { stderr: string; reason?: string },
  problem: "clone_failed" | "push_refused",
  lead: string,
): ApiError {
  if (repository.knownHosts && /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(stderr)) {
    const pinned = hostKeyFingerprints(repository.knownHosts)
      .map((key) => `${key.type} ${key.fingerprint}`)
      .join(", ");
    return new ApiError(
      "host_key_changed",
      `The repository's SSH host key changed: the host did not show the key pinned when the repository was saved (${pinned}). If the host's key really changed, remove the repository and add it again.`,
    );
  }
  return new ApiError(problem, `${lead}: ${gitReason(reason, [repository.token, repository.sshKey])}`);
}

/** A message from git for a person: the remote's own words, with anything secret-looking taken out. */
export function gitReason(stderr: string, secrets: Array<string | null | undefined> = []): string {
  let text = stderr;
  for (const secret of secrets) if (secret) text = text.split(secret).join("***");
  // Credentials in a URL (user:pass@) never come from us, but a remote could echo one.
  text = text.replace(/(https?:\/\/)[^/@\s]+@/g, "$1");
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-6).join("\n").slice(0, 1_000) || "git failed without saying why";
}

export { validBranchName } from "@/lib/sandboxes/git-names";

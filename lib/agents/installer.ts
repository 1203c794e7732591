import "server-only";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { AGENT_CATALOG, catalogAgent, mainPackage, type AgentId } from "@/lib/agents/catalog";
import { agentPrograms } from "@/lib/agents/layout";
import { env } from "@/lib/env";
import { hostStateDirFor } from "@/lib/host-state";
import { isProcessAlive } from "@/lib/process-utils";
import { reachableByOthers } from "@/lib/sandboxes/layout";
import { logger } from "@/lib/log";

const log = logger("agents");

// Real agents are installed once per host with npm, at the exact versions of the catalog, into
// `<agentsDir>/<id>/`, which every sandbox gets read-only. An install is written to a temporary
// directory and renamed into place, so a half install never looks installed; one lock file per
// agent keeps two processes (the CLI and a portal, two portals) from installing it at once.

export type AgentInstallState = "absent" | "installing" | "installed" | "failed";

export interface AgentInstallStatus {
  id: AgentId;
  name: string;
  package: string;
  version: string;
  state: AgentInstallState;
  /** Installed: the install's size; installing: what has been written so far. */
  sizeBytes?: number;
  error?: string;
  installedAt?: string;
  startedAt?: string;
}

/** Written last into an install; its pins must be the catalog's for the install to count. */
const MARKER = "portal-agent.json";
const INSTALL_TIMEOUT_MS = 20 * 60_000;

interface Marker {
  id: AgentId;
  packages: Array<{ name: string; version: string }>;
  installedAt: string;
  sizeBytes: number;
}

/**
 * PORTAL_AGENTS_DIR, or `<data dir>/agents`. As root, every sandbox uid must be able to reach it (bwrap
 * binds it as that uid), so a data dir behind a mode-700 directory moves it to the host-state dir,
 * as lib/sandboxes/layout.ts does for sandboxes.
 */
export function agentsDir(): string {
  const config = env();
  if (config.PORTAL_AGENTS_DIR) return path.resolve(config.PORTAL_AGENTS_DIR);
  const dataDir = path.resolve(config.PORTAL_DATA_DIR);
  if (process.getuid?.() !== 0 || reachableByOthers(dataDir)) return path.join(dataDir, "agents");
  return path.join(hostStateDirFor(dataDir), "agents");
}

/** npm's cache for agent installs: kept between installs (and test runs) so a reinstall reads no network. */
export function agentsNpmCache(): string | undefined {
  const configured = env().PORTAL_AGENTS_NPM_CACHE;
  if (configured) return path.resolve(configured);
  return process.getuid?.() === 0 ? "/var/cache/agent-portal/npm" : undefined;
}

export function agentInstallDir(id: AgentId, root = agentsDir()): string {
  return path.join(root, id);
}

function lockFile(id: AgentId, root: string) {
  return path.join(root, ".state", `${id}.lock`);
}

function failureFile(id: AgentId, root: string) {
  return path.join(root, ".state", `${id}.failed.json`);
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

/** The install in place, when it is complete and pinned as the catalog says. */
function readInstalled(id: AgentId, root: string): Marker | null {
  const dir = agentInstallDir(id, root);
  const marker = readJson<Marker>(path.join(dir, MARKER));
  if (!marker) return null;
  const wanted = catalogAgent(id).packages;
  const pinned = wanted.every((pkg) => marker.packages.some((have) => have.name === pkg.name && have.version === pkg.version));
  if (!pinned || !agentPrograms(id, dir).required.every((file) => existsSync(file))) return null;
  return marker;
}

export function isAgentInstalled(id: AgentId, root = agentsDir()): boolean {
  return readInstalled(id, root) !== null;
}

interface Lock {
  pid: number;
  startedAt: string;
  tempDir: string;
}

/** The lock's holder when it is alive (a lock left by a dead process does not count). */
function liveLock(id: AgentId, root: string): Lock | null {
  const lock = readJson<Lock>(lockFile(id, root));
  return lock && isProcessAlive(lock.pid) ? lock : null;
}

function directorySize(dir: string): number | undefined {
  const du = spawnSync("du", ["-sb", dir], { encoding: "utf8" });
  const bytes = Number(du.stdout?.split(/\s/)[0]);
  return du.status === 0 && Number.isFinite(bytes) ? bytes : undefined;
}

export function agentInstallStatus(id: AgentId, root = agentsDir()): AgentInstallStatus {
  const agent = catalogAgent(id);
  const main = mainPackage(id);
  const base = { id, name: agent.name, package: main.name, version: main.version };
  const lock = liveLock(id, root);
  if (lock) {
    const sizeBytes = directorySize(lock.tempDir);
    return { ...base, state: "installing", startedAt: lock.startedAt, ...(sizeBytes !== undefined ? { sizeBytes } : {}) };
  }
  const marker = readInstalled(id, root);
  if (marker) return { ...base, state: "installed", sizeBytes: marker.sizeBytes, installedAt: marker.installedAt };
  const failure = readJson<{ error: string; at: string }>(failureFile(id, root));
  if (failure) return { ...base, state: "failed", error: failure.error };
  return { ...base, state: "absent" };
}

export function listAgentInstalls(root = agentsDir()): AgentInstallStatus[] {
  return AGENT_CATALOG.map((agent) => agentInstallStatus(agent.id, root));
}

/** Creates the agents dir readable by every uid (sandboxes run as their own). */
function prepareRoot(root: string) {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  if (process.getuid?.() === 0) chmodSync(root, 0o755);
  // The lock and failure notes are the portal's own business.
  mkdirSync(path.join(root, ".state"), { recursive: true, mode: 0o700 });
}

/** Takes the agent's lock (O_EXCL), clearing one left by a dead process; null when a live one holds it. */
function acquireLock(id: AgentId, root: string, tempDir: string): (() => void) | null {
  const file = lockFile(id, root);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), tempDir } satisfies Lock));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (liveLock(id, root)) return null;
      // Its holder died (kill -9 mid-install): its temp dir is cleared below, under our lock.
      try {
        unlinkSync(file);
      } catch {
        // another process cleared it first; try again
      }
    }
  }
  return null;
}

/** Only what npm needs from the portal's environment: never the portal's secrets. */
function npmEnvironment(): NodeJS.ProcessEnv {
  const passed: Record<string, string> = { npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (
      ["PATH", "HOME", "LANG", "TMPDIR", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"].includes(name) ||
      /^(npm_config_|NPM_CONFIG_|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$)/.test(name)
    ) {
      passed[name] = value;
    }
  }
  return passed as NodeJS.ProcessEnv;
}

function runNpm(args: string[], cwd: string, onOutput?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", args, { cwd, env: npmEnvironment(), stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const collect = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      tail = (tail + text).slice(-4000);
      if (onOutput) for (const line of text.split("\n")) if (line.trim()) onOutput(line);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGTERM"), INSTALL_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`npm could not start: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      reject(new Error(`npm install ${signal ? `was stopped (${signal})` : `exited with ${code}`}: ${npmErrorSummary(tail)}`));
    });
  });
}

/** npm's own sentences about what failed (its "npm error code …" and message lines), not the dumped objects around them. */
function npmErrorSummary(output: string): string {
  const sentences = output
    .split("\n")
    .filter((line) => line.startsWith("npm error"))
    .map((line) => line.replace(/^npm error\s*/, "").trim())
    .filter((line) => line && !/^(at |syscall |errno |[{}[\]]|\w+: ['"\d]|A complete log)/.test(line));
  return (sentences.length > 0 ? sentences.slice(0, 4) : output.trim().split("\n").slice(-4)).join("\n");
}

export interface InstallOptions {
  root?: string;
  /** npm's output, line by line (the CLI prints it). */
  onOutput?: (line: string) => void;
}

export type InstallOutcome = AgentInstallStatus & { alreadyRunning?: boolean };

/**
 * Installs one agent, unless it is installed already. When another process is installing it, returns
 * at once with state `installing` and `alreadyRunning`. Never throws for an npm failure: the status
 * says `failed` with npm's last lines, and the failure is remembered until the next attempt.
 */
export async function installAgent(id: AgentId, options: InstallOptions = {}): Promise<InstallOutcome> {
  const root = options.root ?? agentsDir();
  if (isAgentInstalled(id, root)) return agentInstallStatus(id, root);
  prepareRoot(root);
  const tempDir = path.join(root, `.tmp-${id}-${randomBytes(6).toString("hex")}`);
  const release = acquireLock(id, root, tempDir);
  if (!release) return { ...agentInstallStatus(id, root), alreadyRunning: true };
  try {
    // Installed by the holder we waited for between our first look and the lock.
    if (!isAgentInstalled(id, root)) await installUnderLock(id, root, tempDir, options);
  } finally {
    release();
  }
  return agentInstallStatus(id, root);
}

async function installUnderLock(id: AgentId, root: string, tempDir: string, options: InstallOptions) {
  try {
    for (const name of readdirSync(root))
      if (name.startsWith(`.tmp-${id}-`) || name.startsWith(`.old-${id}-`)) rmSync(path.join(root, name), { recursive: true, force: true });
    rmSync(failureFile(id, root), { force: true });
    mkdirSync(tempDir, { mode: 0o755 });
    writeFileSync(path.join(tempDir, "package.json"), `${JSON.stringify({ name: `portal-agent-${id}`, private: true }, null, 2)}\n`);
    const packages = catalogAgent(id).packages;
    const cache = agentsNpmCache();
    if (cache) mkdirSync(cache, { recursive: true, mode: 0o700 });
    // --ignore-scripts: nothing from the registry runs on the host, as root or otherwise.
    await runNpm(
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--save-exact",
        "--omit=dev",
        "--loglevel=warn",
        ...(cache ? ["--cache", cache] : []),
        ...packages.map((pkg) => `${pkg.name}@${pkg.version}`),
      ],
      tempDir,
      options.onOutput,
    );
    const missing = agentPrograms(id, tempDir).required.filter((file) => !existsSync(file));
    if (missing.length > 0)
      throw new Error(
        `npm installed the packages but not ${missing.map((file) => path.relative(tempDir, file)).join(", ")} (no build of this agent for ${process.platform}-${process.arch}?)`,
      );
    // Sandboxes (other uids) read and run it; none may change it.
    spawnSync("chmod", ["-R", "a+rX,go-w", tempDir]);
    const marker: Marker = { id, packages: packages.map((pkg) => ({ ...pkg })), installedAt: new Date().toISOString(), sizeBytes: directorySize(tempDir) ?? 0 };
    writeFileSync(path.join(tempDir, MARKER), `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o644 });
    const target = agentInstallDir(id, root);
    // A previous install (an older pin) steps aside in one rename, the new one takes its place in another.
    const old = path.join(root, `.old-${id}-${randomBytes(6).toString("hex")}`);
    if (existsSync(target)) renameSync(target, old);
    renameSync(tempDir, target);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    rmSync(tempDir, { recursive: true, force: true });
    writeFileSync(failureFile(id, root), JSON.stringify({ error: message.slice(0, 2000), at: new Date().toISOString() }), { mode: 0o600 });
  }
}

const running = globalThis as unknown as { portalAgentInstalls?: Map<AgentId, Promise<InstallOutcome>> };

/** Starts an install in the background of this process (the API answers 202); one per agent at a time. */
export function startAgentInstall(id: AgentId, options: InstallOptions = {}): { started: boolean } {
  const installs = (running.portalAgentInstalls ??= new Map());
  if (installs.has(id) || liveLock(id, options.root ?? agentsDir())) return { started: false };
  const install = installAgent(id, options).finally(() => installs.delete(id));
  installs.set(id, install);
  return { started: true };
}

/** The admin's install button: starts the install unless it is installed or installing, and says where it stands. */
export function requestAgentInstall(id: AgentId, { by }: { by: string }): AgentInstallStatus {
  const root = agentsDir();
  if (!isAgentInstalled(id, root) && startAgentInstall(id, { root }).started) {
    log.info({ agent: id, package: `${mainPackage(id).name}@${mainPackage(id).version}`, by }, "agent install started");
    void agentInstallInProgress(id)?.then((outcome) => {
      if (outcome.state === "failed") log.error({ agent: id, err: outcome.error ?? "unknown error" }, "agent install failed");
    });
  }
  return agentInstallStatus(id, root);
}

/** The running install of this process, for tests and the CLI to wait on. */
export function agentInstallInProgress(id: AgentId): Promise<InstallOutcome> | undefined {
  return running.portalAgentInstalls?.get(id);
}

/** PORTAL_AGENTS at the portal's start: installs the named agents that are missing, in the background. */
export function installConfiguredAgents(ids: readonly AgentId[] = env().PORTAL_AGENTS): void {
  if (ids.length === 0) return;
  const root = agentsDir();
  const missing = ids.filter((id) => !isAgentInstalled(id, root));
  if (missing.length === 0) return;
  log.info({ agents: missing, dir: root }, "installing agents in the background (PORTAL_AGENTS); GET /api/admin/agents shows progress");
  for (const id of missing) {
    startAgentInstall(id, { root });
    void agentInstallInProgress(id)?.then((outcome) => {
      if (outcome.state === "failed") log.error({ agent: id, err: outcome.error ?? "unknown error" }, "agent install failed");
      else if (outcome.state === "installed") log.info({ agent: id }, "agent installed");
    });
  }
}

/** The pinned version of an agent when it is installed here, else null. */
export function installedVersion(id: AgentId, root = agentsDir()): string | null {
  return readInstalled(id, root) ? mainPackage(id).version : null;
}

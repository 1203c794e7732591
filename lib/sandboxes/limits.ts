import "server-only";
import { execFileSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
  chmodSync,
} from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";
import { errorField, logger } from "@/lib/log";
import { isProcessAlive } from "@/lib/process-utils";
import { CommandShell } from "@/lib/sandboxes/command-shell";

const log = logger("sandbox");

// What one sandbox may take of the host (PORTAL_SANDBOX_MEMORY, _CPUS, _PIDS, _DISK, _TMP), and how.
//
// - Memory (swap off), CPU and processes: a cgroup of the jail's own — cgroup v2 below the portal's
//   cgroup when that is delegated to it, else in the v1 memory/pids/cpu hierarchies when root can
//   write them (a hybrid host). The jail is put in it by root before the drop to the
//   sandbox's uid: a tiny `sh` writes its own pid into cgroup.procs, then execs the jail, so no agent
//   code ever runs outside it. When neither works the portal says so at start and falls back to
//   rlimits (`prlimit`: address space, processes of the sandbox's uid, file size).
// - Workspace and home: an ext4 image of PORTAL_SANDBOX_DISK mounted (loop, by root) at the
//   sandbox's directory, so a full disk is the sandbox's own and never the host's. The image file
//   sits beside that directory, in root's sandboxes root, out of every jail's reach.
// - The jail's tmpfs (/tmp, the runtime's data, /dev/shm): bwrap's --size; `/` and `/dev` are
//   remounted read-only so no unbounded tmpfs is left writable.
// A limit that is hit (the OOM killer ran, fork failed at pids.max, the disk or /tmp is full) ends
// the sandbox's runtime; limitHit() names it for the session's history.

export type LimitName = "memory" | "pids" | "disk" | "tmp";
export interface LimitHit {
  limit: LimitName;
  message: string;
}

export interface SandboxLimits {
  memory: number;
  cpus: number;
  pids: number;
  disk: number;
  tmp: number;
}

export function sandboxLimits(): SandboxLimits {
  const config = env();
  return {
    memory: config.PORTAL_SANDBOX_MEMORY,
    cpus: config.PORTAL_SANDBOX_CPUS,
    pids: config.PORTAL_SANDBOX_PIDS,
    disk: config.PORTAL_SANDBOX_DISK,
    tmp: config.PORTAL_SANDBOX_TMP,
  };
}

/** 2147483648 → "2 GiB", 805306368 → "768 MiB". */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ["TiB", 1024 ** 4],
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}

// ---------------------------------------------------------------------------------------------
// How this host enforces them, found once.

export type Enforcement =
  | { kind: "cgroup2"; parent: string }
  | { kind: "cgroup1"; memory: string; pids: string; cpu: string | null; memsw: boolean }
  | { kind: "rlimits"; reason: string };

const cache = globalThis as unknown as {
  portalLimitsEnforcement?: Enforcement;
  portalLimitHits?: Map<string, LimitHit>;
  /** Per running jail, its check of the counters, run now. */
  portalLimitChecks?: Map<string, () => void>;
};
const PARENT = "agent-portal";

/** cgroups when this host lets the portal make them, else rlimits (with why), decided once per process. */
export function limitsEnforcement(): Enforcement {
  cache.portalLimitsEnforcement ??= probeEnforcement();
  return cache.portalLimitsEnforcement;
}

/** One line for the portal's start. */
export function describeLimits(): string {
  const limits = sandboxLimits();
  const how = limitsEnforcement();
  const sizes = `memory ${formatBytes(limits.memory)}, ${limits.cpus} CPU, ${limits.pids} processes, disk ${formatBytes(limits.disk)}${canMountImages() ? "" : " (not enforced: mounting a disk image needs root)"}, tmpfs ${formatBytes(limits.tmp)}`;
  if (how.kind === "cgroup2") return `sandbox limits: ${sizes}; a cgroup v2 per sandbox under ${how.parent}`;
  if (how.kind === "cgroup1")
    return `sandbox limits: ${sizes}; a cgroup per sandbox in the v1 memory${how.memsw ? " (swap included)" : ""}, pids${how.cpu ? " and cpu" : ""} hierarchies`;
  return `sandbox limits: ${sizes}; no cgroup of its own per sandbox (${how.reason}), so memory, processes and file size are rlimits (prlimit) and CPU is not limited`;
}

function probeEnforcement(): Enforcement {
  if (env().PORTAL_SANDBOX_CGROUPS === "off") return { kind: "rlimits", reason: "PORTAL_SANDBOX_CGROUPS=off" };
  let reasons: string[] = [];
  try {
    const own = ownCgroups();
    const mounts = cgroupMounts();
    const v2 = tryCgroup2(own, mounts);
    if (typeof v2 !== "string") return v2;
    const v1 = tryCgroup1(mounts);
    if (typeof v1 !== "string") return v1;
    reasons = [v2, v1];
  } catch (error) {
    reasons = [error instanceof Error ? error.message : String(error)];
  }
  return { kind: "rlimits", reason: reasons.join("; ") };
}

/** The portal's own cgroup per hierarchy: "" is the unified one, else a v1 controller's name. */
function ownCgroups(): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of readFileSync("/proc/self/cgroup", "utf8").trim().split("\n")) {
    const [, controllers = "", cgroupPath = "/"] = line.split(":");
    for (const controller of controllers.split(",")) own.set(controller, cgroupPath);
  }
  return own;
}

interface CgroupMount {
  root: string;
  mountPoint: string;
  controllers: string[];
  version: 1 | 2;
}

function cgroupMounts(): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").trim().split("\n")) {
    const [left = "", right = ""] = line.split(" - ");
    const [fsType = "", , superOptions = ""] = right.split(" ");
    const fields = left.split(" ");
    const root = unescapeMount(fields[3] ?? "/");
    const mountPoint = unescapeMount(fields[4] ?? "");
    if (fsType === "cgroup2") mounts.push({ root, mountPoint, controllers: [], version: 2 });
    else if (fsType === "cgroup") mounts.push({ root, mountPoint, controllers: superOptions.split(","), version: 1 });
  }
  return mounts;
}

function unescapeMount(field: string): string {
  return field.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** A cgroup's directory: the mount point plus the cgroup's path below the mount's root. */
function cgroupDir(mount: CgroupMount, cgroupPath: string): string | null {
  const relative = path.posix.relative(mount.root, cgroupPath);
  if (relative.startsWith("..")) return null;
  return path.join(mount.mountPoint, relative);
}

/** v2: our cgroup must offer memory and pids, and let us enable them for children (delegation). */
function tryCgroup2(own: Map<string, string>, mounts: CgroupMount[]): Enforcement | string {
  const mount = mounts.find((candidate) => candidate.version === 2);
  const cgroupPath = own.get("");
  const dir = mount && cgroupPath !== undefined ? cgroupDir(mount, cgroupPath) : null;
  if (!dir) return "no cgroup v2 here";
  const available = readFileSync(path.join(dir, "cgroup.controllers"), "utf8").trim().split(/\s+/);
  const missing = ["memory", "pids"].filter((controller) => !available.includes(controller));
  if (missing.length > 0) return `cgroup v2 has no ${missing.join(" or ")} controller for the portal's cgroup`;
  try {
    const parent = path.join(dir, PARENT);
    mkdirSync(parent, { recursive: true });
    const wanted = ["memory", "pids", ...(available.includes("cpu") ? ["cpu"] : [])];
    enableControllers(dir, wanted);
    enableControllers(parent, wanted);
    return { kind: "cgroup2", parent };
  } catch (error) {
    return `cgroup v2 is not delegated to the portal (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * Controllers are enabled for a cgroup's children only when it holds no process itself (v2's "no
 * internal processes"): the portal's own processes move to a leaf of their own first, as systemd's
 * Delegate= documentation prescribes.
 */
function enableControllers(dir: string, controllers: string[]) {
  const write = () => writeFileSync(path.join(dir, "cgroup.subtree_control"), controllers.map((name) => `+${name}`).join(" "));
  try {
    write();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EBUSY") throw error;
    const leaf = path.join(dir, "portal");
    mkdirSync(leaf, { recursive: true });
    for (const pid of readFileSync(path.join(dir, "cgroup.procs"), "utf8").trim().split("\n").filter(Boolean)) {
      try {
        writeFileSync(path.join(leaf, "cgroup.procs"), pid);
      } catch {
        // exited meanwhile
      }
    }
    write();
  }
}

/**
 * v1 (a hybrid host): root must be able to make cgroups in the memory and pids hierarchies (cpu when
 * there). They go at the top of each hierarchy, as container runtimes' cgroupfs drivers do, not below
 * the portal's own cgroup: v1 has no delegation, and a cgroup left below a service's would keep
 * whoever manages that service from removing it.
 */
function tryCgroup1(mounts: CgroupMount[]): Enforcement | string {
  const parentFor = (controller: string) => {
    const mount = mounts.find((candidate) => candidate.version === 1 && candidate.controllers.includes(controller));
    return mount ? path.join(mount.mountPoint, PARENT) : null;
  };
  const memory = parentFor("memory");
  const pids = parentFor("pids");
  if (!memory || !pids) return "no cgroup v1 memory and pids hierarchies";
  try {
    for (const dir of [memory, pids]) mkdirSync(dir, { recursive: true });
  } catch (error) {
    return `the cgroup v1 hierarchies are not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  let cpu = parentFor("cpu");
  try {
    if (cpu) mkdirSync(cpu, { recursive: true });
  } catch {
    cpu = null;
  }
  return { kind: "cgroup1", memory, pids, cpu, memsw: existsSync(path.join(memory, "memory.memsw.limit_in_bytes")) };
}

// ---------------------------------------------------------------------------------------------
// One jail's limits.

export interface JailLimits {
  /** The jail's command, run by root: joins the cgroup (or sets the rlimits) first, then execs it. */
  wrap(command: string[]): string[];
  /** bwrap arguments that size a tmpfs: put right before its `--tmpfs`. */
  tmpfsSize(): string[];
  /** Watches the running jail; `onHit` is called once when it hits a limit. Stops when the jail exits. */
  watch(child: ChildProcess, onHit: (hit: LimitHit) => void): void;
  /**
   * The jail's runtime answered: the next new sandbox's disk is made now, behind this start rather
   * than beside it (a mkfs and a mount competing with the start for the host's CPUs and disk).
   */
  started(): void;
  /**
   * The launch failed before its jail was spawned: its cgroup is removed now, as no jail's exit will
   * (its disk stays mounted, the sandbox's for its life as after any run).
   */
  abandoned(): void;
}

/** A jail with no limits at all: the baseline bench/sandbox-limits.ts measures them against. */
export const NO_LIMITS: JailLimits = {
  wrap: (command) => command,
  tmpfsSize: () => [],
  watch: () => undefined,
  started: () => undefined,
  abandoned: () => undefined,
};

interface JailCgroup {
  dirs: string[];
  counters(): { oomKills: number; pidsRefused: number };
}

/**
 * The limits of one sandbox's next run: its cgroup made and set (or its rlimits chosen) and its disk
 * image mounted at `root`. `uid` is the jail's (null: the portal's own, in a user namespace).
 */
export async function prepareJailLimits({ sandboxId, root, uid }: { sandboxId: string; root: string; uid: number | null }): Promise<JailLimits> {
  const limits = sandboxLimits();
  clearLimitHit(sandboxId);
  // The disk's mount is moved into place by the command shell while the cgroup is made here.
  const disk = ensureSandboxDisk(root, limits.disk);
  let cgroup: JailCgroup | null;
  try {
    const how = limitsEnforcement();
    cgroup = how.kind === "rlimits" ? null : makeCgroup(how, cgroupName(root), limits);
  } catch (error) {
    await disk.catch(() => undefined);
    throw error;
  }
  const diskMounted = await disk.catch((error: unknown) => {
    if (cgroup) removeCgroup(cgroup.dirs);
    throw error;
  });
  const baseline = cgroup?.counters() ?? { oomKills: 0, pidsRefused: 0 };

  return {
    wrap(command) {
      if (cgroup) return ["sh", "-c", JOIN_CGROUPS, "join-cgroups", ...cgroup.dirs.map((dir) => path.join(dir, "cgroup.procs")), "--", ...command];
      // nproc counts every process of the uid: only a uid of the sandbox's own makes it a per-sandbox limit.
      return ["prlimit", `--as=${limits.memory}`, `--fsize=${limits.disk}`, ...(uid !== null ? [`--nproc=${limits.pids}`] : []), "--", ...command];
    },
    tmpfsSize() {
      return ["--size", String(limits.tmp)];
    },
    watch(child, onHit) {
      let jailPid: number | null = null;
      let done = false;
      // A disk that is full already when the jail starts (the run that filled it ended on it) counts
      // only once it has had room again: else the sandbox could never start to free it.
      let diskWasFull = diskMounted && nearlyFull(root);
      const check = () => {
        if (done) return;
        const hit = detect();
        if (!hit) return;
        done = true;
        clearInterval(timer);
        cache.portalLimitHits ??= new Map();
        cache.portalLimitHits.set(sandboxId, hit);
        log.warn({ sandboxId, limit: hit.limit, detail: hit.message }, "a sandbox hit a limit: stopping its runtime");
        onHit(hit);
      };
      const detect = (): LimitHit | null => {
        const counters = cgroup?.counters();
        if (counters && counters.oomKills > baseline.oomKills) return { limit: "memory", message: `out of memory: ${formatBytes(limits.memory)}` };
        if (counters && counters.pidsRefused > baseline.pidsRefused) return { limit: "pids", message: `too many processes: ${limits.pids}` };
        const diskFull = diskMounted && nearlyFull(root);
        const diskFilled = diskFull && !diskWasFull;
        diskWasFull = diskFull;
        if (diskFilled) return { limit: "disk", message: `disk full: ${formatBytes(limits.disk)}` };
        jailPid ??= child.pid ? findJailInit(child.pid) : null;
        // /tmp as the jail sees it (its mount namespace's root): statfs only reads, and /tmp is a mount point the jail cannot swap.
        if (jailPid && nearlyFull(`/proc/${jailPid}/root/tmp`)) return { limit: "tmp", message: `/tmp full: ${formatBytes(limits.tmp)}` };
        return null;
      };
      const timer = setInterval(check, WATCH_MS);
      timer.unref();
      cache.portalLimitChecks ??= new Map();
      cache.portalLimitChecks.set(sandboxId, check);
      child.once("exit", () => {
        check();
        done = true;
        clearInterval(timer);
        if (cache.portalLimitChecks?.get(sandboxId) === check) cache.portalLimitChecks.delete(sandboxId);
        if (cgroup) removeCgroup(cgroup.dirs);
      });
    },
    started() {
      if (diskMounted) void makeSpareDisk(path.dirname(path.resolve(root)), limits.disk);
    },
    abandoned() {
      if (cgroup) removeCgroup(cgroup.dirs);
    },
  };
}

// How often a running jail's counters are read: a hit is reported within this long.
const WATCH_MS = 400;
// Below this much free space a disk or tmpfs counts as full (a write has just failed with ENOSPC).
const FULL_BELOW_BYTES = 1024 ** 2;

// Run by root: writes its own pid into each cgroup.procs given, then becomes the jail (`exec` keeps the pid).
const JOIN_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

/**
 * The sandbox's limit that ended its last run, or null (cleared when it starts again). A running jail's
 * counters are read now rather than at the next watch: an agent killed for memory can fail the request
 * that started it before the watch has seen the kill, and the refusal must still say which limit.
 */
export function limitHit(sandboxId: string): LimitHit | null {
  cache.portalLimitChecks?.get(sandboxId)?.();
  return cache.portalLimitHits?.get(sandboxId) ?? null;
}

function clearLimitHit(sandboxId: string) {
  cache.portalLimitHits?.delete(sandboxId);
}

/** A name unique on this host: the sandbox's directory (two data dirs never share one). */
function cgroupName(root: string): string {
  return `sandbox-${createHash("sha256").update(path.resolve(root)).digest("hex").slice(0, 16)}`;
}

// The cgroups of jails that still run: removed when the portal exits (its jails die with it), as no
// jail's exit event is delivered then.
const live = globalThis as unknown as { portalJailCgroups?: Set<string[]> };

function trackCgroup(dirs: string[]) {
  if (!live.portalJailCgroups) {
    live.portalJailCgroups = new Set();
    process.on("exit", () => {
      for (const each of live.portalJailCgroups ?? []) removeCgroup(each);
    });
  }
  live.portalJailCgroups.add(dirs);
}

function makeCgroup(how: Exclude<Enforcement, { kind: "rlimits" }>, name: string, limits: SandboxLimits): JailCgroup {
  const cpuQuota = (period: number) => String(Math.max(1000, Math.round(limits.cpus * period)));
  if (how.kind === "cgroup2") {
    const dir = path.join(how.parent, name);
    freshCgroup([dir]);
    writeFileSync(path.join(dir, "memory.max"), String(limits.memory));
    if (existsSync(path.join(dir, "memory.swap.max"))) writeFileSync(path.join(dir, "memory.swap.max"), "0");
    writeFileSync(path.join(dir, "pids.max"), String(limits.pids));
    if (existsSync(path.join(dir, "cpu.max"))) writeFileSync(path.join(dir, "cpu.max"), `${cpuQuota(100_000)} 100000`);
    writeCpuWeight(how, name);
    return {
      dirs: [dir],
      counters: () => ({ oomKills: counter(path.join(dir, "memory.events"), "oom_kill"), pidsRefused: counter(path.join(dir, "pids.events"), "max") }),
    };
  }
  const memory = path.join(how.memory, name);
  const pids = path.join(how.pids, name);
  const cpu = how.cpu ? path.join(how.cpu, name) : null;
  const dirs = [memory, pids, ...(cpu ? [cpu] : [])];
  freshCgroup(dirs);
  // memsw (memory + swap) must never be below the memory limit: lift it, set memory, then pin memsw to it (no swap).
  if (how.memsw) writeFileSync(path.join(memory, "memory.memsw.limit_in_bytes"), "-1");
  writeFileSync(path.join(memory, "memory.limit_in_bytes"), String(limits.memory));
  if (how.memsw) writeFileSync(path.join(memory, "memory.memsw.limit_in_bytes"), String(limits.memory));
  else writeFileSync(path.join(memory, "memory.swappiness"), "0");
  writeFileSync(path.join(pids, "pids.max"), String(limits.pids));
  if (cpu) {
    writeFileSync(path.join(cpu, "cpu.cfs_period_us"), "100000");
    writeFileSync(path.join(cpu, "cpu.cfs_quota_us"), cpuQuota(100_000));
    writeCpuWeight(how, name);
  }
  return {
    dirs,
    counters: () => ({ oomKills: counter(path.join(memory, "memory.oom_control"), "oom_kill"), pidsRefused: counter(path.join(pids, "pids.events"), "max") }),
  };
}

// ---------------------------------------------------------------------------------------------
// The CPU, shared by team.
//
// With every sandbox's cgroup at the same weight, a team running five busy sandboxes got five times
// the CPU of a team running one when the host was full, and that team's answers slowed down
// (bench/team-fairness.ts). The pool says which team each running sandbox is for; a team's sandboxes
// split one sandbox's weight between them. Sandboxes of no team (the agent catalog) weigh one each.
// It only matters when the host is busy: a cgroup may use any CPU no one else wants (its cpu.max aside).

const FULL_WEIGHT = { cgroup1: 1024, cgroup2: 100 } as const;
// Each running sandbox's cgroup name → its fraction of a full weight.
const cpuShare = globalThis as unknown as { portalCpuShare?: Map<string, number> };

/** Told by the pool whenever the running sandboxes or their teams change. */
export function shareCpuByTeam(sandboxes: Array<{ root: string; teamId: string | null }>) {
  const perTeam = new Map<string, number>();
  for (const { teamId } of sandboxes) if (teamId !== null) perTeam.set(teamId, (perTeam.get(teamId) ?? 0) + 1);
  const fractions = new Map(sandboxes.map(({ root, teamId }) => [cgroupName(root), teamId === null ? 1 : 1 / perTeam.get(teamId)!]));
  const previous = cpuShare.portalCpuShare;
  cpuShare.portalCpuShare = fractions;
  const how = limitsEnforcement();
  if (how.kind === "rlimits") return;
  for (const [name, fraction] of fractions) if (previous?.get(name) !== fraction) writeCpuWeight(how, name);
}

/** The cgroup's CPU weight, as its team's share says (full until the pool has said): nothing when it is gone or has no cpu controller. */
function writeCpuWeight(how: Exclude<Enforcement, { kind: "rlimits" }>, name: string) {
  const fraction = cpuShare.portalCpuShare?.get(name) ?? 1;
  const [file, full] =
    how.kind === "cgroup2"
      ? [path.join(how.parent, name, "cpu.weight"), FULL_WEIGHT.cgroup2]
      : how.cpu
        ? [path.join(how.cpu, name, "cpu.shares"), FULL_WEIGHT.cgroup1]
        : [null, 0];
  if (!file || !existsSync(file)) return;
  try {
    writeFileSync(file, String(Math.max(how.kind === "cgroup2" ? 1 : 2, Math.round(full * fraction))));
  } catch {
    // the jail ended meanwhile and its cgroup went with it
  }
}

/** A cgroup left by a previous run is emptied and made again, so its counters start at zero. */
function freshCgroup(dirs: string[]) {
  removeCgroup(dirs);
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
  trackCgroup(dirs);
}

/** Kills whatever is left in the cgroups (a jail's processes outlive nothing of it) and removes them. */
function removeCgroup(dirs: string[]) {
  for (const each of live.portalJailCgroups ?? []) if (each.join() === dirs.join()) live.portalJailCgroups?.delete(each);
  for (const dir of dirs) {
    for (let attempt = 0; attempt < 20 && existsSync(dir); attempt++) {
      const pids = readLines(path.join(dir, "cgroup.procs"));
      for (const pid of pids) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
      try {
        rmdirSync(dir);
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
      }
    }
  }
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** A `key value` line of a cgroup file (memory.events, pids.events, memory.oom_control), 0 when absent. */
function counter(file: string, key: string): number {
  for (const line of readLines(file)) {
    const [name, value] = line.split(/\s+/);
    if (name === key) return Number(value) || 0;
  }
  return 0;
}

function nearlyFull(dir: string): boolean {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}

/**
 * The jail's init (jail-init.mjs, the first process inside bwrap's pid namespace), found among the
 * launched process's descendants breadth first: its /proc/<pid>/root is the jail's root.
 */
function findJailInit(pid: number): number | null {
  const queue = [pid];
  for (let seen = 0; queue.length > 0 && seen < 64; seen++) {
    const current = queue.shift()!;
    try {
      // `node …/jail-init.mjs`: bwrap's own command lines name it too, but as a later argument.
      if (readFileSync(`/proc/${current}/cmdline`, "utf8").split("\0")[1]?.endsWith("/jail-init.mjs")) return current;
    } catch {
      continue;
    }
    for (const child of readLines(`/proc/${current}/task/${current}/children`).join(" ").split(/\s+/).filter(Boolean)) queue.push(Number(child));
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The disk of a sandbox's workspace and home.

const ROOT_RESERVED_BYTES = 4 * 1024 ** 2;
const DISK_MOUNT_OPTIONS = "nosuid,nodev,noatime";

function canMountImages(): boolean {
  return process.getuid?.() === 0;
}

/** Where a sandbox's disk image lives: beside its directory, in root's sandboxes root. */
export function diskImagePath(root: string): string {
  return `${path.resolve(root)}.img`;
}

/**
 * Mounts the sandbox's disk image (made on first use) at its directory, before anything is made in
 * it, and says whether its size is enforced. A directory that already holds files and is not a
 * mount (a sandbox from before disk images) keeps them, without a quota.
 */
export async function ensureSandboxDisk(root: string, bytes: number): Promise<boolean> {
  if (!canMountImages()) return false;
  mkdirSync(root, { recursive: true, mode: 0o711 });
  if (isMountPoint(root)) return true;
  if (readdirSync(root).length > 0) {
    log.warn({ dir: root }, "a sandbox predates disk images: its disk is not limited");
    return false;
  }
  const image = diskImagePath(root);
  const sandboxesRoot = path.dirname(path.resolve(root));
  if (existsSync(image) || !(await takeSpareDisk(sandboxesRoot, bytes, root, image))) {
    if (!existsSync(image)) {
      const made = `${image}.new`;
      createSparseFile(made, bytes);
      // Not in the event loop: a mkfs takes a good fraction of a second, which every request and stream would wait out.
      await startCommands().run(["mkfs.ext4", ...mkfsArguments(made, bytes)]);
      rmSync(image, { force: true });
      renameSync(made, image);
    }
    // A move given up at its deadline may have been done all the same (the kill waits for its mount call): never mounted twice.
    if (!isMountPoint(root)) await startCommands().run(["mount", "-o", `loop,${DISK_MOUNT_OPTIONS}`, image, root]);
  }
  // The image's root is this directory: root's, passable by the sandbox's uid (like the directory it covers).
  chmodSync(root, 0o711);
  return true;
}

function createSparseFile(file: string, bytes: number) {
  // Sparse: the host's disk holds only what the sandbox writes, never more than its size.
  const fd = openSync(file, "w", 0o600);
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function mkfsArguments(file: string, bytes: number): string[] {
  // A few MiB only root may use: the portal's own files in the directory (the runtime's pid file)
  // are still written when the sandbox has filled its disk.
  const reservedPercent = Math.min(5, (ROOT_RESERVED_BYTES * 100) / bytes).toFixed(3);
  return ["-q", "-F", "-m", reservedPercent, "-E", "lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0", file];
}

// Spare disks: one per sandboxes root, size and portal process, made ahead and loop-mounted in a
// staging directory of that process, so a new sandbox's start does no mkfs, no loop set-up and no
// ext4 mount: it renames the spare's image to its own and moves the mount (`mount --move`) onto its
// directory. The staging directory is a tmpfs only root can enter (no jail ever sees a spare), and
// private: a mount cannot be moved out from under a shared one (systemd makes `/` shared).
//   <sandboxes root>/.spare-disk-<bytes>.img.<pid>     a process's spare image (being made or mounted)
//   <sandboxes root>/.spare-disks.<pid>/<bytes>/        where it is mounted
//   <sandboxes root>/.spare-disk-<bytes>.img            an unmounted spare a stopped process left, taken
//                                                       (renamed) by the next one instead of a mkfs
// Each process takes only its own spares, so two instances never take the same; a stopping process
// unmounts its own (releaseSpareDisks); what a process that died left is swept (sweepSpares).
const spareImageName = (bytes: number) => `.spare-disk-${bytes}.img`;
const SPARE_FILE = /^\.spare-disk-(\d+)\.img(?:\.(\d+)(?:\.new)?)?$/;
// Named by the making process's pid, and judged by whether that pid lives: right for the portal
// processes of one host in one pid namespace (instances in separate containers sharing one data dir
// would need names and a liveness test that cross namespaces, such as a lock file each holds).
const STAGING_DIR = /^\.spare-disks\.(\d+)$/;
const stagingDir = (sandboxesRoot: string) => path.join(sandboxesRoot, `.spare-disks.${process.pid}`);

interface SpareDisk {
  bytes: number;
  image: string;
  mountPoint: string;
  /** Being made: taken only once mounted. */
  ready: boolean;
}

const spares = globalThis as unknown as {
  portalSpareDisks?: Map<string, SpareDisk>;
  portalSpareStaging?: Set<string>;
  portalSparesSwept?: Set<string>;
  portalSparesMaking?: Map<string, Promise<void>>;
  portalSparesReleasedOnExit?: boolean;
};
const spareKey = (sandboxesRoot: string, bytes: number) => `${bytes}:${sandboxesRoot}`;

/**
 * Once per sandboxes root and process, before its first spare: spare images of another size (from
 * before a change of PORTAL_SANDBOX_DISK) and whatever a process that is gone left (its images,
 * its staging directory with the spares mounted in it) are removed, or each would hold its blocks, a
 * loop device and a mount on the host for good. Entries named by this very pid are a previous
 * process's that had it (this one has made none here yet).
 */
export function sweepSpares(sandboxesRoot: string, bytes: number) {
  spares.portalSparesSwept ??= new Set();
  if (spares.portalSparesSwept.has(sandboxesRoot)) return;
  spares.portalSparesSwept.add(sandboxesRoot);
  const gone = (pid: number) => pid === process.pid || !isProcessAlive(pid);
  for (const name of readdirSync(sandboxesRoot)) {
    const staging = STAGING_DIR.exec(name);
    if (staging && gone(Number(staging[1]))) removeStaging(path.join(sandboxesRoot, name));
  }
  for (const name of readdirSync(sandboxesRoot)) {
    const spare = SPARE_FILE.exec(name);
    if (!spare) continue;
    const stale = spare[2] ? gone(Number(spare[2])) : Number(spare[1]) !== bytes;
    if (stale) rmSync(path.join(sandboxesRoot, name), { force: true });
  }
}

/** Takes this process's mounted spare, when one is ready: its image becomes `image`, its mount `root`'s. */
function takeSpareDisk(sandboxesRoot: string, bytes: number, root: string, image: string): Promise<boolean> {
  const key = spareKey(sandboxesRoot, bytes);
  const spare = spares.portalSpareDisks?.get(key);
  if (!spare?.ready) return Promise.resolve(false); // none yet (the first sandbox, or two started at once)
  spares.portalSpareDisks!.delete(key);
  const moved = moveSpare(spare, root, image);
  // Until its move is done the spare's mount point is still in use: no next spare is made at the same
  // paths meanwhile (its undo of a failed mkdir would unmount this one, or remove its mount point).
  void holdSpareKey(key, moved);
  return moved;
}

/** The key's paths are busy until `work` settles: makeSpareDisk waits for it instead of making another. */
function holdSpareKey(key: string, work: Promise<unknown>): Promise<void> {
  spares.portalSparesMaking ??= new Map();
  const release = () => {
    if (spares.portalSparesMaking?.get(key) === held) spares.portalSparesMaking.delete(key);
  };
  const held: Promise<void> = work.then(release, release);
  spares.portalSparesMaking.set(key, held);
  return held;
}

/** Moves a spare's mount onto `root`; false (the spare undone) when it could not. Never rejects. */
async function moveSpare(spare: SpareDisk, root: string, image: string): Promise<boolean> {
  try {
    // Renamed first: a crash before the move leaves the sandbox an image of its own, and only a mount to sweep.
    renameSync(spare.image, image);
    await startCommands().run(["mount", "--move", spare.mountPoint, root]);
  } catch (error) {
    log.warn({ dir: root, err: errorField(error) }, "could not move a spare disk into place: mounting the sandbox's image instead");
    try {
      unmount(spare.mountPoint);
      rmdirSync(spare.mountPoint);
      rmSync(spare.image, { force: true }); // still there when the rename failed
    } catch (cleanupError) {
      log.warn({ dir: root, err: errorField(cleanupError) }, "could not undo a spare disk: the next start sweeps it");
    }
    return false;
  }
  try {
    rmdirSync(spare.mountPoint);
  } catch (error) {
    log.warn({ dir: root, err: errorField(error) }, "could not remove a moved spare disk's mount point: the next start sweeps it");
  }
  return true;
}

/**
 * Makes (or takes from a stopped process) a spare image and mounts it in this process's staging
 * directory, unless it has one (ready or under way). Resolves when done; never rejects.
 */
export function makeSpareDisk(sandboxesRoot: string, bytes: number): Promise<void> {
  const key = spareKey(sandboxesRoot, bytes);
  // One at a time per root and size, released or not: an attempt cut short by a release still owns
  // its image and mount point (the same paths as the next one's) until it has undone them.
  const making = spares.portalSparesMaking?.get(key);
  if (making) return making;
  if (spares.portalSpareDisks?.has(key)) return Promise.resolve();
  return holdSpareKey(key, makeSpare(sandboxesRoot, bytes, key));
}

/** Resolves once no spare disk is being made (bench/sandbox-limits.ts times each start on a host making none). */
export async function spareDisksMade(): Promise<void> {
  await Promise.all([...(spares.portalSparesMaking?.values() ?? [])]);
}

async function makeSpare(sandboxesRoot: string, bytes: number, key: string) {
  spares.portalSpareDisks ??= new Map();
  const spare: SpareDisk = {
    bytes,
    image: path.join(sandboxesRoot, `${spareImageName(bytes)}.${process.pid}`),
    mountPoint: path.join(stagingDir(sandboxesRoot), String(bytes)),
    ready: false,
  };
  spares.portalSpareDisks.set(key, spare);
  if (!spares.portalSparesReleasedOnExit) {
    spares.portalSparesReleasedOnExit = true;
    process.on("exit", releaseSpareDisks);
  }
  // Released (the portal stopping) while this ran: what was made is undone, nothing is left mounted.
  const released = () => spares.portalSpareDisks?.get(key) !== spare;
  try {
    // The shell that moves it into place is started now, not by the start that takes it.
    startCommands().start();
    sweepSpares(sandboxesRoot, bytes);
    await ensureStaging(sandboxesRoot);
    const format = takeLeftSpare(sandboxesRoot, bytes, spare.image) ? [] : mkfsArguments(spare.image, bytes);
    if (format.length > 0) createSparseFile(spare.image, bytes);
    mkdirSync(spare.mountPoint, { mode: 0o700 });
    await spareCommands().run(["sh", "-c", MOUNT_SPARE, "mount-spare", spare.image, spare.mountPoint, `loop,${DISK_MOUNT_OPTIONS}`, ...format]);
    if (released()) throw new Error("released");
    spare.ready = true;
  } catch (error) {
    try {
      // A release may have unmounted and removed the staging directory already.
      if (existsSync(/*turbopackIgnore: true*/ spare.mountPoint)) {
        if (isMountPoint(spare.mountPoint)) unmount(spare.mountPoint);
        rmdirSync(spare.mountPoint);
      }
      rmSync(spare.image, { force: true });
    } catch (cleanupError) {
      log.warn({ dir: sandboxesRoot, err: errorField(cleanupError) }, "could not undo a spare disk: the next start sweeps it");
    }
    if (released()) return;
    spares.portalSpareDisks.delete(key);
    // The sandboxes root removed meanwhile (a test's, a bench's) is no failure worth a line.
    if (existsSync(sandboxesRoot)) log.warn({ dir: sandboxesRoot, err: errorField(error) }, "could not make a spare disk");
  }
}

// Formats the image (given mkfs arguments: not when it is a stopped process's spare) and mounts it.
const MOUNT_SPARE =
  'image=$1 mountPoint=$2 options=$3; shift 3; if [ $# -gt 0 ]; then mkfs.ext4 "$@" || exit; fi; exec mount -o "$options" "$image" "$mountPoint"';

/** The unmounted spare a stopped process left, renamed to this process's: one rename, so only one process gets it. */
function takeLeftSpare(sandboxesRoot: string, bytes: number, image: string): boolean {
  try {
    renameSync(path.join(sandboxesRoot, spareImageName(bytes)), image);
    return true;
  } catch {
    return false;
  }
}

/** This process's staging directory in a sandboxes root: a private tmpfs only root can enter. */
async function ensureStaging(sandboxesRoot: string) {
  const dir = stagingDir(sandboxesRoot);
  spares.portalSpareStaging ??= new Set();
  if (spares.portalSpareStaging.has(dir)) return;
  // Tracked from here on: released with the spares even when the portal stops while this runs.
  spares.portalSpareStaging.add(dir);
  let made = false;
  try {
    // Never one left behind (a sweep that could not remove it): its mode and mounts are not ours to trust.
    mkdirSync(dir, { mode: 0o700 });
    made = true;
    await spareCommands().run(["mount", "-t", "tmpfs", "-o", "mode=0700,size=1m,nosuid,nodev,noexec", "--make-private", "spare-disks", dir]);
  } catch (error) {
    spares.portalSpareStaging.delete(dir);
    if (made && existsSync(dir)) rmdirSync(dir); // a release may have removed it already
    throw error;
  }
}

/**
 * Synchronous, for process.on('exit') (and a bench's end): this process's spares unmounted, their
 * images left as the next process's spare, its staging directories unmounted and removed.
 */
export function releaseSpareDisks() {
  for (const [key, spare] of spares.portalSpareDisks ?? []) {
    spares.portalSpareDisks!.delete(key);
    if (!spare.ready) continue; // being made: it sees it was released and undoes itself (or the next process sweeps it)
    try {
      if (unmount(spare.mountPoint)) renameSync(spare.image, path.join(path.dirname(spare.image), spareImageName(spare.bytes)));
      else rmSync(spare.image, { force: true });
    } catch (error) {
      log.warn({ err: errorField(error), image: spare.image }, "could not release a spare disk: the next start sweeps it");
    }
  }
  for (const dir of spares.portalSpareStaging ?? []) {
    spares.portalSpareStaging!.delete(dir);
    removeStaging(dir);
  }
}

/** A staging directory and every spare still mounted in it: unmounted (deepest first), then removed. */
function removeStaging(dir: string) {
  try {
    execFileSync("umount", ["--recursive", dir], { stdio: ["ignore", "ignore", "pipe"] });
  } catch {
    // Not mounted (a process that died before mounting it), or busy: detached, freed when unused.
    if (existsSync(dir) && isMountPoint(dir)) execFileSync("umount", ["--recursive", "--lazy", dir], { stdio: ["ignore", "ignore", "pipe"] });
  }
  rmSync(dir, { recursive: true, force: true });
}

/** True when unmounted at once; false when only detached (busy), freed once unused. */
function unmount(dir: string): boolean {
  try {
    execFileSync("umount", [dir], { stdio: ["ignore", "ignore", "pipe"] });
    return true;
  } catch {
    execFileSync("umount", ["--lazy", dir], { stdio: ["ignore", "ignore", "pipe"] });
    return false;
  }
}

// The commands of spare disks, in shells of their own (lib/sandboxes/command-shell.ts) so that none
// forks the portal: what a start waits for (a spare's move, or its own disk's mkfs and mount when no spare
// was ready), and the making of spares behind it, at the lowest CPU priority (it takes what a start running
// beside it leaves), in a second shell so no start queues behind a spare's mkfs. A start's command gets 10 s
// (a move given up then: the start mounts its own image instead; a mkfs of a sparse image with lazy
// init takes well under a second, so one still going is stuck, and the start fails rather than hang); a
// spare's mkfs and mount, at nice 19 on a busy host, get a minute.
const shells = globalThis as unknown as { portalStartCommands?: CommandShell; portalSpareCommands?: CommandShell };
const startCommands = () => (shells.portalStartCommands ??= new CommandShell({ timeoutMs: 10_000 }));
const spareCommands = () => (shells.portalSpareCommands ??= new CommandShell({ prefix: ["nice", "-n", "19"], timeoutMs: 60_000 }));

/**
 * What a sandbox's limits leave on the host, removed with its files: its disk image (unmounted) and
 * the cgroup a killed portal could not remove.
 */
export function removeSandboxLimits(root: string) {
  const how = limitsEnforcement();
  const name = cgroupName(root);
  if (how.kind === "cgroup2") removeCgroup([path.join(how.parent, name)]);
  if (how.kind === "cgroup1") removeCgroup([how.memory, how.pids, ...(how.cpu ? [how.cpu] : [])].map((parent) => path.join(parent, name)));
  removeSandboxDisk(root);
}

/** Unmounts and deletes a sandbox's disk image, when it has one. */
function removeSandboxDisk(root: string) {
  // Still busy (a process of the jail not yet reaped): detached now, freed when the last one exits.
  if (canMountImages() && existsSync(root) && isMountPoint(root)) unmount(root);
  rmSync(diskImagePath(root), { force: true });
}

function isMountPoint(dir: string): boolean {
  const stats = lstatSync(dir);
  if (!stats.isDirectory()) throw new Error(`${dir} is not a directory`);
  return stats.dev !== statSync(path.dirname(dir)).dev;
}

import "server-only";
import { randomUUID } from "node:crypto";
import type { SessionPersistDriver } from "sandbox-agent";
import { db } from "@/lib/db/client";
import { ApiError } from "@/lib/errors";
import { DEMO_AGENT, runtimeAgentId } from "@/lib/runtime/agents";
import { RuntimeManager, type RuntimeInfo, type RuntimeStreamObserver } from "@/lib/runtime/manager";
import type { SandboxProvider, SandboxRef } from "@/lib/sandboxes/providers/provider";
import { recordRuntimeLoss } from "@/lib/metrics";
import { recordSandboxStatus } from "@/lib/sandboxes/status";
import { errorField, logger } from "@/lib/log";

const log = logger("sandbox");

// The runtimes of the sandboxes this portal instance runs, whatever their provider: started on first
// use (or ahead of need: the spare), stopped when idle, when room is needed, by an admin, when
// destroyed or at shutdown — every stop through `stop()`. With a shared provider (local, external)
// one runtime serves every sandbox. Every manager reports to the same session listeners; the
// generation ids they hand out are unique, so a lost generation names exactly its sessions.

export interface SandboxPoolConfig {
  provider: SandboxProvider;
  persist: SessionPersistDriver;
  streamObserver: RuntimeStreamObserver;
  /** `lost` names the sandbox when the runtime was a sandbox's own (its limitHit() may say why). */
  listeners: { lost(generation: number, sandboxId: string | null): void; down(generation: number): void; ready(generation: number): void };
  idleMs: number;
  /** Sandboxes running at once on this instance. */
  maxRunning: number;
  /** Of those, how many one team may hold: past it, the team's own idle sandbox makes room. */
  maxRunningPerTeam: number;
  /** Whether a sandbox has a turn running (an idle stop, or making room, must not cut one off). */
  busy(sandboxId: string): boolean;
  /** How long a start waits in line for a slot before it is refused (503 sandboxes_busy). */
  queueMs: number;
}

/**
 * Hears where a start waits in line for a slot: 1 is next; 0 once it has one (only said to a start
 * that waited). A session shows it (lib/sessions/sandbox-queue.ts).
 */
export type QueueListener = (position: number) => void;

interface Waiter {
  sandbox: { id: string; teamId: string | null };
  listeners: Set<QueueListener>;
  /** The last position said, so each change is said once. */
  told: number;
  /** Why it waits: its team holds its share, or the pool is full. */
  blocked: "team" | "pool";
  admitted(): void;
  refused(error: unknown): void;
  timer: NodeJS.Timeout;
}

/** Why a sandbox's runtime stops; every caller names one. */
export type StopReason = "idle" | "room" | "admin" | "destroy" | "shutdown" | "limit";

/** A sandbox to run: what its provider needs, and its team (for the team's share of the pool). */
export type PooledSandbox = SandboxRef & { teamId?: string };

interface Running {
  sandbox: SandboxRef;
  manager: RuntimeManager;
  teamId: string | null;
  lastActive: number;
  /** Its agent processes hold a destroyed session's memory: released once no turn runs (releaseAgents). */
  releaseDue?: boolean;
}

// The runtime with no workspace and no sessions that answers for the agent list, run like the others.
export const CATALOG_SANDBOX_ID = "catalog";
const CATALOG = CATALOG_SANDBOX_ID;
// A sandbox started or used this recently is about to be used (a restore, then the prompt that
// asked for it): making room never takes it, or a start let in from the line could lose its sandbox
// to the next one in line before its turn began.
const RECENTLY_USED_MS = 5_000;
// Health counts the runtime losses of this long.
export const LOSS_WINDOW_MS = 15 * 60_000;

export class SandboxPool {
  private shared: RuntimeManager | null = null;
  private running = new Map<string, Running>();
  private starting = new Map<string, Promise<RuntimeManager>>();
  private idleTimer: NodeJS.Timeout | null = null;
  // One sandbox started ahead of need, so a new session does not wait for a runtime to boot: its id
  // and sequence number are reserved, and the sandbox row takes them when a team claims it.
  private spare: { id: string; seq: number; manager: RuntimeManager } | null = null;
  private stoppedAll = false;
  // Starts waiting for a slot, first come first served within the per-team share (admit()), and the
  // slots given to starts that have not registered their runtime yet.
  private waiters: Waiter[] = [];
  private admitted = new Map<string, string | null>();
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private queueTimer: NodeJS.Timeout | null = null;
  private lossTimes: number[] = [];
  private lastLossAt: Date | null = null;

  constructor(readonly config: SandboxPoolConfig) {
    config.provider.attach?.(this);
  }

  get provider(): SandboxProvider {
    return this.config.provider;
  }

  async start() {
    if (this.provider.shared) {
      this.shared = this.createManager({ id: CATALOG, seq: 0 }, null);
      await this.shared.start();
      return;
    }
    this.idleTimer = setInterval(() => void this.stopIdle(), Math.min(30_000, Math.max(1_000, this.config.idleMs / 4)));
    this.idleTimer.unref();
    await this.catalog().catch((error) => log.error({ err: errorField(error) }, "the agent catalog runtime did not start"));
    void this.prepareSpare();
  }

  /** A started sandbox for a new one of `teamId`, when one is ready; the caller creates its row with these ids. */
  claimSpare(teamId: string): { id: string; seq: number } | null {
    const spare = this.spare;
    if (!spare || spare.manager.info().status !== "ok") return null;
    // Only into a free slot with no one in line: else the new sandbox starts through the line like any other.
    if (this.waiters.length > 0 || !this.hasFreeSlot(teamId)) return null;
    this.spare = null;
    this.setRunning(spare.id, { sandbox: { id: spare.id, seq: spare.seq }, manager: spare.manager, teamId, lastActive: Date.now() });
    void this.prepareSpare();
    return { id: spare.id, seq: spare.seq };
  }

  private async prepareSpare() {
    if (this.shared || this.spare || this.stoppedAll || !this.provider.keepsSpare) return;
    try {
      const [reserved] = await db().$queryRaw<Array<{ seq: number }>>`SELECT nextval(pg_get_serial_sequence('sandboxes', 'seq'))::int AS seq`;
      if (!reserved) return;
      const sandbox = { id: randomUUID(), seq: reserved.seq };
      const manager = this.createManager(sandbox, sandbox.id);
      this.spare = { ...sandbox, manager };
      await manager.start();
      await warmDemoAgent(manager);
    } catch (error) {
      log.error({ err: errorField(error) }, "could not prepare a spare sandbox");
    }
  }

  /**
   * The runtime of a sandbox, started (after making room when the pool is full, or waiting in line
   * for a slot: `onQueue` hears its position).
   */
  async forSandbox(sandbox: PooledSandbox, onQueue?: QueueListener): Promise<RuntimeManager> {
    if (this.shared) return this.shared;
    const running = this.running.get(sandbox.id);
    if (running && !running.manager.stopped) {
      running.lastActive = Date.now();
      return running.manager;
    }
    const pending = this.starting.get(sandbox.id);
    if (pending) {
      const waiter = this.waiters.find((one) => one.sandbox.id === sandbox.id);
      if (waiter && onQueue) {
        waiter.listeners.add(onQueue);
        if (waiter.told > 0) onQueue(waiter.told);
      }
      return pending;
    }
    const starting = this.startSandbox(sandbox, onQueue).finally(() => this.starting.delete(sandbox.id));
    this.starting.set(sandbox.id, starting);
    return starting;
  }

  /** The runtime that answers for the agent list. */
  catalog(): Promise<RuntimeManager> {
    return this.forSandbox({ id: CATALOG, seq: 0 });
  }

  /**
   * Stops a sandbox's runtime: the one way every caller stops one. Its sessions become restorable
   * and come back with their files on their next prompt; a destroyed sandbox's status is its
   * destroyer's to write.
   */
  async stop(sandboxId: string, reason: StopReason) {
    if (this.shared) {
      if (reason === "admin") throw new ApiError("sandbox_shared", "Sandboxes of this provider share one runtime and cannot be stopped one by one.");
      return;
    }
    if (this.spare?.id === sandboxId) {
      // The spare hit a limit before anyone claimed it: it is thrown away and another made.
      const spare = this.spare;
      this.spare = null;
      await spare.manager.stop();
      await this.removeFiles(spare).catch(() => undefined);
      void this.prepareSpare();
      return;
    }
    const running = this.running.get(sandboxId);
    this.setRunning(sandboxId, null);
    // A slot is free (or will be once this one is down): the next in line may start.
    this.nudge();
    if (reason !== "shutdown")
      log.info({ sandboxId, reason, ...(reason === "idle" ? { idleMinutes: Math.round(this.config.idleMs / 60_000) } : {}) }, "stopping a sandbox");
    if (running) await running.manager.stop({ sessionsLost: true });
    await this.provider.released?.(sandboxId).catch((error: unknown) => log.error({ sandboxId, err: errorField(error) }, "releasing a sandbox failed"));
    if (sandboxId !== CATALOG && reason !== "destroy") await this.recordStatus(sandboxId, "stopped");
  }

  /** Removes a destroyed sandbox's files (after the retention period). */
  removeFiles(sandbox: SandboxRef) {
    return this.provider.removeFiles(sandbox);
  }

  isRunning(sandboxId: string) {
    if (this.shared) return this.shared.info().status === "ok";
    const running = this.running.get(sandboxId);
    return !!running && !running.manager.stopped;
  }

  /** Sandboxes running on this instance, and starts waiting in line for a slot (metrics). */
  occupancy() {
    return { running: [...this.running.keys()].filter((id) => id !== CATALOG).length, waiting: this.waiters.length };
  }

  /** Something may have freed a slot (a turn ended, so its sandbox may make room): the line moves if it can. */
  nudge() {
    if (this.waiters.length > 0) this.pump();
    this.releaseDueAgents();
  }

  /**
   * A session of an agent that keeps a process per session was destroyed in this sandbox, which runs
   * on: its agent processes are released (the memory of the destroyed session with them) now, or
   * when its last turn ends. Its other sessions reload on their next prompt. Not for a shared runtime.
   */
  releaseAgents(sandboxId: string) {
    const running = this.running.get(sandboxId);
    if (this.shared || !running || !this.provider.agentProcess) return;
    running.releaseDue = true;
    this.releaseDueAgents();
  }

  private releaseDueAgents() {
    const isAgent = this.provider.agentProcess;
    if (!isAgent) return;
    for (const [sandboxId, running] of this.running) {
      if (!running.releaseDue || this.config.busy(sandboxId)) continue;
      running.releaseDue = false;
      void running.manager
        .releaseAgents(isAgent)
        .then((ended) => {
          // A session was being created or loaded there: again at the next turn's end or idle check.
          if (ended === null && this.running.get(sandboxId) === running) running.releaseDue = true;
        })
        .catch((error: unknown) => log.error({ sandboxId, err: errorField(error) }, "releasing agent processes failed"));
    }
  }

  /** Health: the shared runtime, or the catalog runtime that every new sandbox is launched like. */
  primaryInfo(): RuntimeInfo | null {
    return this.primary()?.info() ?? null;
  }

  private primary(): RuntimeManager | undefined {
    return this.shared ?? this.running.get(CATALOG)?.manager;
  }

  private managers(): Array<[string | null, RuntimeManager]> {
    if (this.shared) return [[null, this.shared]];
    return [...this.running].map(([sandboxId, { manager }]) => [sandboxId, manager]);
  }

  /**
   * For /api/health (cheap, nothing secret): runtimes recovering from a loss right now (a killed
   * process, a dead ACP connection) and the losses of the last LOSS_WINDOW_MS.
   */
  losses() {
    const cutoff = Date.now() - LOSS_WINDOW_MS;
    while (this.lossTimes.length > 0 && this.lossTimes[0]! < cutoff) this.lossTimes.shift();
    return {
      recovering: this.managers().filter(([, manager]) => manager.recovering).length,
      recent: this.lossTimes.length,
      lastAt: this.lastLossAt?.toISOString() ?? null,
    };
  }

  /** For instance admins: the primary runtime, with every sandbox runtime's figures beside it. */
  overview() {
    const runtimes = this.managers().map(([sandboxId, manager]) => ({ sandboxId, info: { ...manager.info(), stream: manager.streamStats() } }));
    const losses = runtimes.map(({ info }) => info.lastConnectionLoss).filter((loss) => loss !== null);
    return {
      provider: this.provider.name,
      ...(this.primaryInfo() ?? { mode: "embedded", url: "", status: "starting", startedAt: null, restarts: 0 }),
      connectionLosses: runtimes.reduce((sum, { info }) => sum + info.connectionLosses, 0),
      lastConnectionLoss: losses.sort((a, b) => b.at.localeCompare(a.at))[0] ?? null,
      stream: this.primary()?.streamStats() ?? { recovered: 0, lost: 0 },
      sandboxes: runtimes.filter(({ sandboxId }) => sandboxId !== null && sandboxId !== CATALOG).map(({ sandboxId, info }) => ({ sandboxId, ...info })),
    };
  }

  /** Synchronous, for process.on('exit'): no runtime child may outlive the portal. */
  stopAllSync() {
    this.stoppedAll = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.spare?.manager.stopSync();
    this.shared?.stopSync();
    for (const { manager } of this.running.values()) manager.stopSync();
  }

  async stopAll() {
    this.stoppedAll = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.refused(new ApiError("runtime_unavailable", "The portal is stopping.", { retryAfterSeconds: 5 }));
    }
    const spare = this.spare;
    this.spare = null;
    if (spare) {
      await spare.manager.stop();
      await this.removeFiles(spare).catch(() => undefined);
    }
    await this.shared?.stop();
    await Promise.all([...this.running.keys()].map((sandboxId) => this.stop(sandboxId, "shutdown")));
    // The catalog's provider sandbox belongs to this run of the portal only.
    if (!this.provider.shared) await this.removeFiles({ id: CATALOG, seq: 0 }).catch(() => undefined);
  }

  private createManager(sandbox: SandboxRef, sandboxId: string | null) {
    const manager = new RuntimeManager({
      ...this.provider.runtimeFor(sandbox),
      label: sandbox.id === CATALOG ? (this.provider.shared ? undefined : "agent catalog sandbox") : `sandbox ${sandbox.id.slice(0, 8)}`,
      persist: this.config.persist,
      streamObserver: this.config.streamObserver,
    });
    const { listeners } = this.config;
    manager.onLost((generation) => {
      listeners.lost(generation, sandboxId);
      // A stop (idle, admin, shutdown) or a release ends sessions on purpose; anything else was a loss.
      if (manager.stopped || manager.releasingAgents) return;
      // Its agents died with the generation: nothing is left to release.
      const running = sandboxId ? this.running.get(sandboxId) : undefined;
      if (running?.manager === manager) running.releaseDue = false;
      this.recordLoss();
      if (sandboxId) void this.recordStatus(sandboxId, "lost");
    });
    manager.onDown(listeners.down);
    manager.onReady((generation) => {
      listeners.ready(generation);
      if (sandboxId) void this.recordStatus(sandboxId, "running");
    });
    return manager;
  }

  /** The one way `running` changes: the provider shares the CPU by team anew. */
  private setRunning(sandboxId: string, entry: Running | null) {
    if (entry) this.running.set(sandboxId, entry);
    else if (!this.running.delete(sandboxId)) return;
    this.provider.shareCpu?.([...this.running.values()].map(({ sandbox, teamId }) => ({ sandbox, teamId })));
  }

  private async startSandbox(sandbox: PooledSandbox, onQueue?: QueueListener): Promise<RuntimeManager> {
    const teamId = sandbox.teamId ?? null;
    if (sandbox.id !== CATALOG) await this.admit({ id: sandbox.id, teamId }, onQueue);
    let manager: RuntimeManager;
    try {
      manager = this.createManager(sandbox, sandbox.id === CATALOG ? null : sandbox.id);
      this.setRunning(sandbox.id, { sandbox, manager, teamId, lastActive: Date.now() });
    } finally {
      this.admitted.delete(sandbox.id);
    }
    if (sandbox.id !== CATALOG) await this.recordStatus(sandbox.id, "starting");
    await manager.start();
    const entry = this.running.get(sandbox.id);
    if (entry?.manager === manager) entry.lastActive = Date.now();
    return manager;
  }

  /**
   * A slot for a sandbox about to start, through the line: first come first served, except that a
   * start whose team holds its whole share waits for its own team's sandboxes only, and does not
   * hold up the others behind it. Waits up to `queueMs`, then refuses as the pool did before it had
   * a line (503 sandboxes_busy).
   */
  private admit(sandbox: { id: string; teamId: string | null }, onQueue?: QueueListener): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        sandbox,
        listeners: new Set(onQueue ? [onQueue] : []),
        told: 0,
        blocked: "pool",
        admitted: () => {
          clearTimeout(waiter.timer);
          this.admitted.set(sandbox.id, sandbox.teamId);
          if (waiter.told > 0) this.tell(waiter, 0);
          resolve();
        },
        refused: reject,
        timer: setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at < 0) return;
          this.waiters.splice(at, 1);
          reject(this.busyError(waiter.blocked));
          this.pump();
        }, this.config.queueMs),
      };
      waiter.timer.unref();
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private slotsTaken(except?: string): Array<[string, string | null]> {
    const running = [...this.running]
      .filter(([sandboxId]) => sandboxId !== CATALOG && sandboxId !== except)
      .map(([sandboxId, { teamId }]): [string, string | null] => [sandboxId, teamId]);
    // Slots given to starts that are still registering count as taken.
    return [...running, ...[...this.admitted].filter(([sandboxId]) => sandboxId !== except)];
  }

  private hasFreeSlot(teamId: string | null) {
    const slots = this.slotsTaken();
    return slots.length < this.config.maxRunning && slots.filter(([, team]) => teamId !== null && team === teamId).length < this.config.maxRunningPerTeam;
  }

  private busyError(blocked: "team" | "pool") {
    const waited = `waited ${Math.round(this.config.queueMs / 1000)} s in line`;
    return blocked === "team"
      ? new ApiError(
          "sandboxes_busy",
          `Your team runs as many sandboxes as it may at once (${this.config.maxRunningPerTeam}); ${waited}. Try again when one of its turns ends.`,
          { retryAfterSeconds: 30 },
        )
      : new ApiError("sandboxes_busy", `Every sandbox this portal can run is busy; ${waited}. Try again shortly.`, { retryAfterSeconds: 30 });
  }

  /** Lets in whoever can start now, in order, one pass at a time; then tells the rest their place. */
  private pump() {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        for (const waiter of [...this.waiters]) {
          if (!this.waiters.includes(waiter)) continue;
          let blocked: "team" | "pool" | null;
          try {
            blocked = await this.makeRoom(waiter.sandbox);
          } catch (error) {
            const at = this.waiters.indexOf(waiter);
            if (at < 0) continue;
            this.waiters.splice(at, 1);
            clearTimeout(waiter.timer);
            waiter.refused(error);
            continue;
          }
          const at = this.waiters.indexOf(waiter);
          if (at < 0) continue; // gave up while room was being made
          if (blocked === null) {
            this.waiters.splice(at, 1);
            waiter.admitted();
            continue;
          }
          waiter.blocked = blocked;
          // The pool is full for everyone behind too: no one overtakes.
          if (blocked === "pool") break;
        }
        this.waiters.forEach((waiter, index) => this.tell(waiter, index + 1));
      } while (this.pumpAgain);
    })().finally(() => {
      this.pumping = null;
      this.watchQueue();
    });
  }

  // A turn's end frees an idle sandbox to make room: nudge() hears of it when a caller says so; this
  // look once a second while anyone waits catches the rest (a runtime's own end, another instance).
  private watchQueue() {
    if (this.waiters.length > 0 && !this.queueTimer) {
      this.queueTimer = setInterval(() => this.nudge(), 1_000);
      this.queueTimer.unref();
    } else if (this.waiters.length === 0 && this.queueTimer) {
      clearInterval(this.queueTimer);
      this.queueTimer = null;
    }
  }

  private tell(waiter: Waiter, position: number) {
    if (waiter.told === position) return;
    waiter.told = position;
    for (const listener of waiter.listeners) {
      try {
        listener(position);
      } catch (error) {
        log.error({ sandboxId: waiter.sandbox.id, err: errorField(error) }, "a queue listener failed");
      }
    }
  }

  /**
   * PORTAL_SANDBOX_MAX_RUNNING and its per-team share: a team at its share makes room from its own
   * idle sandboxes; a full pool stops the least recently active idle sandbox, the team's own first,
   * then one of a team over its share. Another team's running turn is never cut off: the start waits
   * instead. Null when there is room now; else what it waits for.
   */
  private async makeRoom({ id, teamId }: { id: string; teamId: string | null }): Promise<"team" | "pool" | null> {
    const others = [...this.running].filter(([sandboxId]) => sandboxId !== CATALOG && sandboxId !== id);
    const slots = this.slotsTaken(id);
    const now = Date.now();
    const idle = others
      .filter(([sandboxId, running]) => !this.config.busy(sandboxId) && !this.starting.has(sandboxId) && now - running.lastActive >= RECENTLY_USED_MS)
      .sort(([, a], [, b]) => a.lastActive - b.lastActive);
    const ownTeam = (entry: [string, Running]) => teamId !== null && entry[1].teamId === teamId;
    const teamRunning = slots.filter(([, team]) => teamId !== null && team === teamId).length;
    if (teamId !== null && teamRunning >= this.config.maxRunningPerTeam) {
      const victim = idle.find(ownTeam);
      if (!victim) return "team";
      await this.stop(victim[0], "room");
      return null;
    }
    if (slots.length < this.config.maxRunning) return null;
    const perTeam = new Map<string | null, number>();
    for (const [, team] of slots) perTeam.set(team, (perTeam.get(team) ?? 0) + 1);
    const fairShare = Math.max(1, Math.floor(this.config.maxRunning / Math.max(1, perTeam.size)));
    const victim = idle.find(ownTeam) ?? idle.find(([, running]) => (perTeam.get(running.teamId) ?? 0) > fairShare) ?? idle[0];
    if (!victim) return "pool";
    await this.stop(victim[0], "room");
    return null;
  }

  private async stopIdle() {
    this.releaseDueAgents();
    const cutoff = Date.now() - this.config.idleMs;
    for (const [sandboxId, running] of [...this.running]) {
      if (sandboxId === CATALOG || running.lastActive > cutoff || this.config.busy(sandboxId)) continue;
      await this.stop(sandboxId, "idle").catch((error) => log.error({ sandboxId, err: errorField(error) }, "stopping an idle sandbox failed"));
    }
  }

  /** A runtime that died or stopped answering (not a stop the portal chose): health and metrics count it. */
  private recordLoss() {
    recordRuntimeLoss();
    this.lastLossAt = new Date();
    this.lossTimes.push(this.lastLossAt.getTime());
    if (this.lossTimes.length > 1_000) this.lossTimes.shift();
  }

  private recordStatus(sandboxId: string, status: "starting" | "running" | "stopped" | "lost") {
    return recordSandboxStatus(sandboxId, status).catch((error: unknown) =>
      log.error({ sandboxId, status, err: errorField(error) }, "could not record a sandbox's status"),
    );
  }
}

/**
 * Opens the SDK's ACP connection for the demo agent ahead of the first session, so the agent
 * process is running when a team claims the spare. SDK 0.4.2 keeps that step private; without it
 * the first session/new opens the connection itself.
 */
async function warmDemoAgent(manager: RuntimeManager) {
  const { sdk } = await manager.sdk();
  const open = (sdk as unknown as { getLiveConnection?: (agent: string) => Promise<unknown> }).getLiveConnection;
  if (typeof open === "function") await open.call(sdk, runtimeAgentId(DEMO_AGENT)).catch(() => undefined);
}

const globalPool = globalThis as unknown as { portalSandboxPool?: SandboxPool };

export function setSandboxPool(pool: SandboxPool) {
  globalPool.portalSandboxPool = pool;
}

export function sandboxPool(): SandboxPool {
  if (!globalPool.portalSandboxPool) throw new ApiError("runtime_unavailable", "The agent runtime has not started yet.", { retryAfterSeconds: 2 });
  return globalPool.portalSandboxPool;
}

export function maybeSandboxPool(): SandboxPool | undefined {
  return globalPool.portalSandboxPool;
}

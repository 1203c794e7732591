import "server-only";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import type { SandboxProvider, SessionPersistDriver } from "sandbox-agent";
import { db } from "@/lib/db/client";
import { ApiError } from "@/lib/errors";
import { DEMO_AGENT, runtimeAgentId } from "@/lib/runtime/agents";
import { hostLauncher } from "@/lib/runtime/host-launcher";
import { RuntimeManager, type RuntimeInfo, type RuntimeStreamObserver } from "@/lib/runtime/manager";
import { bwrapLauncher, WORKSPACE } from "@/lib/sandboxes/bwrap";
import { CloudSandbox, cloudWorkspace } from "@/lib/sandboxes/cloud";
import type { CloudProviderName } from "@/lib/sandboxes/cloud-providers";
import { sandboxDirs } from "@/lib/sandboxes/layout";
import type { SandboxNetwork } from "@/lib/sandboxes/network";

// The runtimes of the sandboxes this portal instance runs: with bwrap one per sandbox, started on
// its first use and stopped when idle; with `local` or an external runtime (SANDBOX_AGENT_URL) one
// runtime serves every sandbox. Every manager reports to the same session listeners; the
// generation ids they hand out are unique, so a lost generation names exactly its sessions.

export type SandboxProviderName = "bwrap" | "local" | "external" | CloudProviderName;

export interface SandboxRuntimesConfig {
  provider: SandboxProviderName;
  dataDir: string;
  sandboxesRoot: string;
  external?: { url: string; token?: string };
  /** PORTAL_SANDBOX=e2b, docker, ...: the SDK's provider, loaded at boot. */
  cloud?: SandboxProvider;
  persist: SessionPersistDriver;
  streamObserver: RuntimeStreamObserver;
  listeners: { lost(generation: number): void; down(generation: number): void; ready(generation: number): void };
  idleMs: number;
  maxRunning: number;
  /** What a bwrap sandbox's network reaches (none, or outbound without the host's loopback). */
  network: SandboxNetwork;
  /** Whether a sandbox has a turn running (an idle stop must not cut one off). */
  busy(sandboxId: string): boolean;
}

/** What a jail is made from: the sandbox's uid number and, once it has one, its directory on the host. */
type JailedSandbox = { id: string; seq: number; hostDir?: string | null };

interface Running {
  manager: RuntimeManager;
  lastActive: number;
}

const CATALOG = "catalog";
// Health counts the runtime losses of this long.
export const LOSS_WINDOW_MS = 15 * 60_000;
// As root every sandbox runs as a uid of its own: SANDBOX_UID_BASE + its sequence number.
const SANDBOX_UID_BASE = 200_000;

export class SandboxRuntimes {
  private shared: RuntimeManager | null = null;
  private running = new Map<string, Running>();
  private starting = new Map<string, Promise<RuntimeManager>>();
  private idleTimer: NodeJS.Timeout | null = null;
  // One jail started ahead of need, so a new session does not wait for a runtime to boot: its id
  // and sequence number are reserved, and the sandbox row takes them when a team claims it.
  private spare: { id: string; seq: number; manager: RuntimeManager } | null = null;
  private stoppedAll = false;
  private lossTimes: number[] = [];
  private catalogProviderId: string | null = null;
  private lastLossAt: Date | null = null;

  constructor(readonly config: SandboxRuntimesConfig) {}

  get provider() {
    return this.config.provider;
  }

  /** Each sandbox has a runtime of its own (a jail, a provider's sandbox), rather than one shared runtime. */
  get perSandbox() {
    return this.config.provider === "bwrap" || this.config.cloud !== undefined;
  }

  /** The workspace path a new sandbox's agent sees. */
  workspaceFor(sandboxId: string): string {
    if (this.config.provider === "bwrap") return WORKSPACE;
    if (this.config.cloud) return cloudWorkspace(this.config.cloud);
    return sandboxDirs(this.config.sandboxesRoot, sandboxId).workspace;
  }

  async start() {
    if (!this.perSandbox) {
      this.shared = this.wire(
        new RuntimeManager({
          launcher: this.config.provider === "local" ? hostLauncher(this.config.dataDir) : undefined,
          externalUrl: this.config.external?.url,
          externalToken: this.config.external?.token,
          persist: this.config.persist,
          streamObserver: this.config.streamObserver,
        }),
        null,
      );
      await this.shared.start();
      return;
    }
    this.idleTimer = setInterval(() => void this.stopIdle(), Math.min(30_000, Math.max(1_000, this.config.idleMs / 4)));
    this.idleTimer.unref();
    // The agent list comes from a runtime with no workspace and no sessions, jailed like the others.
    await this.forSandbox({ id: CATALOG, seq: 0 }).catch((error) => console.error(`[sandbox] the agent catalog runtime did not start: ${String(error)}`));
    void this.prepareSpare();
  }

  /** A started jail for a new sandbox, when one is ready; the caller creates its row with these ids. */
  claimSpare(): { id: string; seq: number } | null {
    const spare = this.spare;
    if (!spare || spare.manager.info().status !== "ok") return null;
    this.spare = null;
    this.running.set(spare.id, { manager: spare.manager, lastActive: Date.now() });
    void this.makeRoom(spare.id).catch(() => undefined);
    void this.prepareSpare();
    return { id: spare.id, seq: spare.seq };
  }

  private async prepareSpare() {
    // A spare provider sandbox would be paid for while nobody uses it.
    if (this.shared || this.spare || this.stoppedAll || this.config.cloud) return;
    try {
      const [reserved] = await db().$queryRaw<Array<{ seq: number }>>`SELECT nextval(pg_get_serial_sequence('sandboxes', 'seq'))::int AS seq`;
      if (!reserved) return;
      const sandbox = { id: randomUUID(), seq: reserved.seq };
      const manager = this.createManager(sandbox);
      this.spare = { ...sandbox, manager };
      await manager.start();
      await warmDemoAgent(manager);
    } catch (error) {
      console.error(`[sandbox] could not prepare a spare sandbox: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The runtime of a sandbox, started (after stopping the least recently active idle one when full). */
  async forSandbox(sandbox: JailedSandbox): Promise<RuntimeManager> {
    if (this.shared) return this.shared;
    const running = this.running.get(sandbox.id);
    if (running && !running.manager.stopped) {
      running.lastActive = Date.now();
      return running.manager;
    }
    const pending = this.starting.get(sandbox.id);
    if (pending) return pending;
    const starting = this.startSandbox(sandbox).finally(() => this.starting.delete(sandbox.id));
    this.starting.set(sandbox.id, starting);
    return starting;
  }

  /** The runtime that answers for the agent list. */
  catalog(): Promise<RuntimeManager> {
    return this.forSandbox({ id: CATALOG, seq: 0 });
  }

  /** Stops a sandbox's runtime; its sessions become restorable and come back on their next prompt. */
  async stopSandbox(sandboxId: string) {
    if (this.shared) throw new ApiError("sandbox_shared", "Sandboxes of this provider share one runtime and cannot be stopped one by one.");
    const running = this.running.get(sandboxId);
    this.running.delete(sandboxId);
    if (running) await running.manager.stop({ sessionsLost: true });
    if (sandboxId !== CATALOG) await setStatus(sandboxId, "stopped");
  }

  /** Stops a sandbox's runtime when it has one of its own (destroying a sandbox). */
  async releaseSandbox(sandboxId: string) {
    if (!this.shared) await this.stopSandbox(sandboxId);
  }

  /** Removes a destroyed sandbox's files (after the retention period): its directory, or its provider's sandbox. */
  async removeFiles(sandboxId: string, hostDir?: string | null) {
    if (this.config.cloud) {
      await this.cloudSandbox({ id: sandboxId }).destroy();
      await db().sandbox.updateMany({ where: { id: sandboxId }, data: { providerSandboxId: null } });
    }
    rmSync(sandboxDirs(this.config.sandboxesRoot, sandboxId, hostDir ?? undefined).root, { recursive: true, force: true });
  }

  isRunning(sandboxId: string) {
    if (this.shared) return this.shared.info().status === "ok";
    const running = this.running.get(sandboxId);
    return !!running && !running.manager.stopped;
  }

  /** Health: the shared runtime, or the catalog runtime that every new sandbox is launched like. */
  primaryInfo(): RuntimeInfo | null {
    return this.primary()?.info() ?? null;
  }

  private primary(): RuntimeManager | undefined {
    return this.shared ?? this.running.get(CATALOG)?.manager;
  }

  infos(): Array<{ sandboxId: string | null; info: RuntimeInfo & { stream: { recovered: number; lost: number } } }> {
    if (this.shared) return [{ sandboxId: null, info: { ...this.shared.info(), stream: this.shared.streamStats() } }];
    return [...this.running].map(([sandboxId, { manager }]) => ({ sandboxId, info: { ...manager.info(), stream: manager.streamStats() } }));
  }

  /**
   * For /api/health (cheap, nothing secret): runtimes recovering from a loss right now (a killed
   * process, a dead ACP connection) and the losses of the last LOSS_WINDOW_MS.
   */
  losses() {
    const cutoff = Date.now() - LOSS_WINDOW_MS;
    while (this.lossTimes.length > 0 && this.lossTimes[0]! < cutoff) this.lossTimes.shift();
    const managers = this.shared ? [this.shared] : [...this.running.values()].map(({ manager }) => manager);
    return {
      recovering: managers.filter((manager) => manager.recovering).length,
      recent: this.lossTimes.length,
      lastAt: this.lastLossAt?.toISOString() ?? null,
    };
  }

  /** For instance admins: the primary runtime, with every sandbox runtime's figures beside it. */
  overview() {
    const runtimes = this.infos();
    const losses = runtimes.map(({ info }) => info.lastConnectionLoss).filter((loss) => loss !== null);
    return {
      provider: this.provider,
      ...(this.primaryInfo() ?? { mode: "embedded", url: "", status: "starting", startedAt: null, restarts: 0 }),
      connectionLosses: runtimes.reduce((sum, { info }) => sum + info.connectionLosses, 0),
      lastConnectionLoss: losses.sort((a, b) => b.at.localeCompare(a.at))[0] ?? null,
      stream: this.primary()?.streamStats() ?? { recovered: 0, lost: 0 },
      sandboxes: runtimes.filter(({ sandboxId }) => sandboxId !== CATALOG).map(({ sandboxId, info }) => ({ sandboxId, ...info })),
    };
  }

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
    const spare = this.spare;
    this.spare = null;
    if (spare) {
      await spare.manager.stop();
      await this.removeFiles(spare.id);
    }
    await this.shared?.stop();
    await Promise.all([...this.running.values()].map(({ manager }) => manager.stop()));
    this.running.clear();
    // The catalog's provider sandbox belongs to this run of the portal only.
    if (this.config.cloud) await this.cloudSandbox({ id: CATALOG }).destroy().catch(() => undefined);
  }

  private createManager(sandbox: JailedSandbox) {
    const dirs = sandboxDirs(this.config.sandboxesRoot, sandbox.id, sandbox.hostDir ?? undefined);
    const uid = process.getuid?.() === 0 ? SANDBOX_UID_BASE + sandbox.seq : null;
    return this.wire(
      new RuntimeManager({
        ...(this.config.cloud ? { remote: this.cloudSandbox(sandbox) } : { launcher: bwrapLauncher(dirs, uid, this.config.network) }),
        label: sandbox.id === CATALOG ? "agent catalog sandbox" : `sandbox ${sandbox.id.slice(0, 8)}`,
        persist: this.config.persist,
        streamObserver: this.config.streamObserver,
      }),
      sandbox.id === CATALOG ? null : sandbox.id,
    );
  }

  private async startSandbox(sandbox: JailedSandbox): Promise<RuntimeManager> {
    await this.makeRoom(sandbox.id);
    const manager = this.createManager(sandbox);
    this.running.set(sandbox.id, { manager, lastActive: Date.now() });
    if (sandbox.id !== CATALOG) await setStatus(sandbox.id, "starting");
    await manager.start();
    return manager;
  }

  /** PORTAL_SANDBOX_MAX_RUNNING: the least recently active idle sandbox makes room, or a 503. */
  private async makeRoom(sandboxId: string) {
    const sandboxes = [...this.running].filter(([id]) => id !== CATALOG && id !== sandboxId);
    if (sandboxes.length < this.config.maxRunning) return;
    const idle = sandboxes.filter(([id]) => !this.config.busy(id)).sort(([, a], [, b]) => a.lastActive - b.lastActive);
    const oldest = idle[0];
    if (!oldest) throw new ApiError("sandboxes_busy", "Every sandbox this portal can run is busy; try again shortly.", { retryAfterSeconds: 30 });
    await this.stopSandbox(oldest[0]);
  }

  private async stopIdle() {
    const cutoff = Date.now() - this.config.idleMs;
    for (const [sandboxId, running] of [...this.running]) {
      if (sandboxId === CATALOG || running.lastActive > cutoff || this.config.busy(sandboxId)) continue;
      console.log(`[sandbox] ${sandboxId.slice(0, 8)} idle for ${Math.round(this.config.idleMs / 60_000)} min: stopping`);
      await this.stopSandbox(sandboxId).catch((error) => console.error(`[sandbox] stopping ${sandboxId} failed: ${String(error)}`));
    }
  }

  /** A portal sandbox's sandbox at the provider; its provider id lives on its row (the catalog's in memory). */
  private cloudSandbox(sandbox: { id: string }): CloudSandbox {
    if (sandbox.id === CATALOG) {
      return new CloudSandbox(this.config.cloud!, {
        load: async () => this.catalogProviderId,
        save: async (providerId) => void (this.catalogProviderId = providerId),
      });
    }
    return new CloudSandbox(this.config.cloud!, {
      load: async () => (await db().sandbox.findUnique({ where: { id: sandbox.id }, select: { providerSandboxId: true } }))?.providerSandboxId ?? null,
      save: async (providerId) => void (await db().sandbox.update({ where: { id: sandbox.id }, data: { providerSandboxId: providerId } })),
    });
  }

  private recordLoss() {
    this.lastLossAt = new Date();
    this.lossTimes.push(this.lastLossAt.getTime());
    if (this.lossTimes.length > 1_000) this.lossTimes.shift();
  }

  private wire(manager: RuntimeManager, sandboxId: string | null) {
    const { listeners } = this.config;
    manager.onLost((generation) => {
      listeners.lost(generation);
      // A stop (idle, admin, shutdown) ends sessions on purpose; anything else was a loss.
      if (!manager.stopped) this.recordLoss();
      if (sandboxId && !manager.stopped) void setStatus(sandboxId, "lost");
    });
    manager.onDown(listeners.down);
    manager.onReady((generation) => {
      listeners.ready(generation);
      if (sandboxId) void setStatus(sandboxId, "running");
    });
    return manager;
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

async function setStatus(sandboxId: string, status: "starting" | "running" | "stopped" | "lost") {
  await db()
    .sandbox.updateMany({ where: { id: sandboxId, status: { not: "destroyed" } }, data: { status, ...(status === "running" ? { lastActiveAt: new Date() } : {}) } })
    .catch((error: unknown) => console.error(`[sandbox] could not record ${sandboxId} as ${status}: ${String(error)}`));
}

const globalRuntimes = globalThis as unknown as { portalSandboxRuntimes?: SandboxRuntimes };

export function setSandboxRuntimes(runtimes: SandboxRuntimes) {
  globalRuntimes.portalSandboxRuntimes = runtimes;
}

export function sandboxRuntimes(): SandboxRuntimes {
  if (!globalRuntimes.portalSandboxRuntimes) throw new ApiError("runtime_unavailable", "The agent runtime has not started yet.", { retryAfterSeconds: 2 });
  return globalRuntimes.portalSandboxRuntimes;
}

export function maybeSandboxRuntimes(): SandboxRuntimes | undefined {
  return globalRuntimes.portalSandboxRuntimes;
}

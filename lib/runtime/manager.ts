import "server-only";
import type { ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { SandboxAgent, type SessionPersistDriver } from "sandbox-agent";
import { env } from "@/lib/env";
import { runtimeUnavailable } from "@/lib/errors";
import { commandLine, descendants, isProcessAlive } from "@/lib/process-utils";
import { createObservedFetch, type AcpStreamObserver, type ClientAnswer, type GapReport, type Refusal } from "@/lib/runtime/observed-fetch";
import { runtimeFetch } from "@/lib/runtime/runtime-fetch";
import { errorField, logger } from "@/lib/log";

const log = logger("runtime");

// A runtime manager owns one sandbox-agent runtime (a child process started by a launcher — on this
// host, or in a sandbox's jail — or an external URL), watches its health, restarts it with backoff,
// and hands out the SDK instance of the current runtime generation. When a generation is lost,
// listeners are told so sessions become restorable. Generation ids are unique across all managers
// of the process, so a session attached to one names its runtime unambiguously.

export type RuntimeStatus = "starting" | "ok" | "down";

export interface RuntimeInfo {
  mode: "embedded" | "external";
  url: string;
  status: RuntimeStatus;
  pid?: number;
  startedAt: string | null;
  restarts: number;
  /** ACP connections found dead while the runtime itself answered; each one replaced the SDK. */
  connectionLosses: number;
  lastConnectionLoss: { at: string; reason: string } | null;
  /** Since when its health checks go unanswered (it takes connections but is busy or hung), or null. */
  unansweredSince: string | null;
}

/** A runtime process as a launcher started it, and how to reach it. */
export interface LaunchedRuntime {
  child: ChildProcess;
  url: string;
  token: string;
  fetch: typeof fetch;
  pidFile: string;
  /**
   * The child leads a process group of its own (spawned detached): a stop ends the whole group, so no
   * agent process the runtime started outlives it (claude-code-acp and codex-acp survive the runtime's
   * own SIGTERM otherwise, re-parented to PID 1).
   */
  processGroup?: boolean;
  /** Called once the runtime first answers, before anything else reaches it; throwing kills it. */
  healthy?(): void;
}

export interface RuntimeLauncher {
  launch(): Promise<LaunchedRuntime>;
}

export interface RemoteRuntime {
  connect(): Promise<{ url: string; token: string; fetch: typeof fetch }>;
  revive(): Promise<void>;
  pause(): Promise<void>;
}

export interface RuntimeConfig {
  /** Starts the runtime process (embedded mode); unused with externalUrl. */
  launcher?: RuntimeLauncher;
  /** What log lines call this runtime ("embedded runtime", "sandbox 1a2b3c4d"). */
  label?: string;
  externalUrl?: string;
  externalToken?: string;
  /** A runtime in a provider's sandbox (lib/sandboxes/providers/cloud.ts): reached, revived and paused through it. */
  remote?: RemoteRuntime;
  persist: SessionPersistDriver;
  streamObserver?: RuntimeStreamObserver;
}

/**
 * What the sessions hear of a runtime's ACP streams; a client answer and a gap also name the generation
 * they came over, and a refusal comes with the judgement of the connection loss it caused.
 */
export type RuntimeStreamObserver = Omit<AcpStreamObserver, "onClientAnswer" | "onConnectionLost" | "onGap" | "onRefused"> & {
  onClientAnswer?(answer: ClientAnswer & { generation: number }): void;
  onGap?(report: GapReport & { generation: number }): void;
  /** `lossesJudged` settles once the losses known at the refusal (its own included) are judged. */
  onRefused?(message: unknown, refusal: Refusal & { lossesJudged: Promise<void> }): void;
};

interface Generation {
  id: number;
  sdk: SandboxAgent;
  fetch: ReturnType<typeof createObservedFetch>;
}

type Listener = (generation: number) => void;

const HEALTH_INTERVAL_MS = 1_000;
const FAILED_PROBES_BEFORE_DOWN = 3;
const PROBE_TIMEOUT_MS = 2_000;
const MAX_BACKOFF_MS = 10_000;
let generationCounter = 0;

export class RuntimeManager {
  private status: RuntimeStatus = "starting";
  private child: ChildProcess | null = null;
  private url = "";
  private token = "";
  private startedAt: Date | null = null;
  private restarts = 0;
  private connectionLosses = 0;
  private lastConnectionLoss: RuntimeInfo["lastConnectionLoss"] = null;
  private lostAt: Date | null = null;
  private generation: Generation | null = null;
  private baseFetch: typeof fetch = runtimeFetch;
  private backoffMs = 250;
  private failedProbes = 0;
  /** When the health probes began to go unanswered (null: the last one was answered or refused). */
  private unansweredSince: number | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private releasing = false;
  /** Session creates and loads under way (untilLost): a release waits for them. */
  private sessionsStarting = 0;
  private processGroup = false;
  /** The judgement under way of a generation whose connections died: one per generation, whatever the number of dead connections. */
  private lossCheck: { generationId: number; dead: Map<string, string>; judged: Promise<void> } | null = null;
  private readyWaiters = new Set<() => void>();
  private lostListeners = new Set<Listener>();
  private downListeners = new Set<Listener>();
  private readyListeners = new Set<Listener>();

  constructor(private readonly config: RuntimeConfig) {}

  get label(): string {
    return this.config.label ?? (this.mode === "external" ? "external runtime" : "embedded runtime");
  }

  get mode(): "embedded" | "external" {
    return this.config.externalUrl || this.config.remote ? "external" : "embedded";
  }

  info(): RuntimeInfo {
    return {
      mode: this.mode,
      url: this.url,
      status: this.status,
      ...(this.child?.pid && this.mode === "embedded" ? { pid: this.child.pid } : {}),
      startedAt: this.startedAt?.toISOString() ?? null,
      restarts: this.restarts,
      connectionLosses: this.connectionLosses,
      lastConnectionLoss: this.lastConnectionLoss,
      unansweredSince: this.unansweredSince === null ? null : new Date(this.unansweredSince).toISOString(),
    };
  }

  currentGeneration(): number | null {
    return this.status === "ok" ? (this.generation?.id ?? null) : null;
  }

  onLost(listener: Listener) {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** The runtime stopped answering but may come back holding its sessions (external runtimes). */
  onDown(listener: Listener) {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  onReady(listener: Listener) {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  async start() {
    if (this.config.remote) {
      const remote = await this.config.remote.connect().catch((error: unknown) => {
        // The provider's API refused or failed: a 503 to the prompt, the reason in the log only.
        log.error({ runtime: this.label, err: errorField(error) }, "the provider could not start the runtime");
        throw runtimeUnavailable("The sandbox provider could not start this sandbox; try again shortly.");
      });
      this.url = remote.url;
      this.token = remote.token;
      this.baseFetch = remote.fetch;
      await this.waitForRemote();
    } else if (this.mode === "external") {
      this.url = this.config.externalUrl!.replace(/\/$/, "");
      this.token = this.config.externalToken ?? "";
      await this.checkHealth();
    } else {
      await this.spawnEmbedded();
    }
    this.healthTimer = setInterval(() => void this.checkHealth(), HEALTH_INTERVAL_MS);
    this.healthTimer.unref();
  }

  /** The SDK of the live runtime; waits briefly while it (re)starts, then answers 503. */
  async sdk(waitMs = 5_000): Promise<{ sdk: SandboxAgent; generation: number; fetch: Generation["fetch"] }> {
    if (this.status !== "ok" || !this.generation) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.readyWaiters.add(done);
      });
    }
    if (this.status !== "ok" || !this.generation) throw runtimeUnavailable();
    return { sdk: this.generation.sdk, generation: this.generation.id, fetch: this.generation.fetch };
  }

  /**
   * `work`, begun on generation `generation`, or a 503 as soon as that generation is lost. An SDK
   * call in flight when its runtime ends (a sandbox stopped at its memory limit by the very session
   * being created) never settles otherwise: the SDK logs "ACP write error" and waits for good.
   */
  async untilLost<T>(generation: number, work: Promise<T>): Promise<T> {
    this.sessionsStarting += 1;
    let stopListening = () => false;
    const lost = new Promise<never>((_, reject) => {
      const end = () => reject(runtimeUnavailable("The sandbox's runtime ended while this was under way; try again."));
      if (this.generation?.id !== generation) return end();
      stopListening = this.onLost((id) => id === generation && end());
    });
    try {
      return await Promise.race([work, lost]);
    } finally {
      this.sessionsStarting -= 1;
      stopListening();
    }
  }

  /**
   * Cancels an agent session's running prompt. SDK 0.4.2 refuses a manual `session/cancel` ("use
   * destroySession"), so the ACP `session/cancel` notification is posted to the ACP server the SDK
   * opened for the agent (the server id seen by the observed fetch), exactly as the SDK's own
   * destroySession does internally, without destroying the session. False when no such server is known.
   */
  async cancelPrompt({ agent, agentSessionId }: { agent: string; agentSessionId: string }): Promise<boolean> {
    const observed = this.generation?.fetch;
    // The observed fetch learns a server's agent from the first answered request, which can be the
    // SSE GET (no ?agent=); the SDK names its servers `sdk-<agent>-<id>`, so fall back to that.
    const serverId = observed ? (observed.serverIdForAgent(agent) ?? observed.serverIds().find((id) => id.startsWith(`sdk-${agent}-`)) ?? null) : null;
    if (!serverId) return false;
    await this.postAcp(serverId, { jsonrpc: "2.0", method: "session/cancel", params: { sessionId: agentSessionId } });
    return true;
  }

  /** Posts one JSON-RPC message to an ACP server of the runtime. */
  private async postAcp(serverId: string, message: unknown) {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.baseFetch(`${this.url}/v1/acp/${encodeURIComponent(serverId)}`, {
        method: "POST",
        headers,
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(5_000),
      });
    } catch {
      throw runtimeUnavailable();
    }
    await response.text().catch(() => "");
    if (!response.ok) throw runtimeUnavailable(`The agent runtime did not accept the request (HTTP ${response.status}).`);
  }

  /**
   * Ends the runtime's agent processes (each with everything it started) on purpose, while the
   * runtime itself runs on: its sessions become restorable (their next prompt loads them again) and a
   * fresh SDK generation is handed out at once. Claude Code's adapter keeps a Claude Code process per
   * session and has no ACP session/close (nor does the runtime end an agent process when its ACP
   * server is deleted), so a destroyed session's memory is freed only this way. `isAgent` tells the
   * runtime's agents from the other processes it started (terminals, git commands), which go on.
   * For a runtime process of our own only; the caller makes sure no turn runs. Resolves to the
   * processes ended, or null when a session is being created or loaded (the caller tries later).
   */
  async releaseAgents(isAgent: (commandLine: string) => boolean): Promise<number | null> {
    if (this.sessionsStarting > 0) return null;
    const generation = this.generation;
    const root = this.child?.pid;
    if (this.mode !== "embedded" || this.status !== "ok" || !generation || !root) return 0;
    const tree = descendants(root);
    const runtimePid = [root, ...tree.map(({ pid }) => pid)].find((pid) => /sandbox-agent server\b/.test(commandLine(pid)));
    const agents = tree.filter(({ ppid, pid }) => ppid === runtimePid && isAgent(commandLine(pid))).map(({ pid }) => pid);
    if (agents.length === 0) return 0;
    const ended = [...agents, ...agents.flatMap((pid) => descendants(pid).map((process) => process.pid))];
    this.releasing = true;
    this.generation = null;
    try {
      for (const pid of ended) sendSignal(pid, "SIGTERM");
      for (let waited = 0; waited < 3_000 && ended.some(isProcessAlive); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      for (const pid of ended.filter(isProcessAlive)) sendSignal(pid, "SIGKILL");
      // Its ACP servers now have no agent: deleting them is quick, and the old SDK is done with.
      await generation.sdk.dispose().catch(() => undefined);
      for (const listener of this.lostListeners) safely(() => listener(generation.id));
    } finally {
      this.releasing = false;
    }
    log.info({ runtime: this.label, processes: ended.length }, "agent processes released; the sessions reload on their next prompt");
    if (this.status === "ok" && !this.stopping) this.markReady();
    return ended.length;
  }

  /** True while releaseAgents() tells the lost listeners: the sessions were let go on purpose, not lost. */
  get releasingAgents() {
    return this.releasing;
  }

  /** Messages recovered from the runtime's replay buffer and lost for good, this generation. */
  streamStats() {
    return this.generation?.fetch.stats() ?? { recovered: 0, lost: 0 };
  }

  /** Synchronous so it can run from process.on('exit'): the runtime child must not be orphaned. */
  stopSync() {
    this.stopping = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = null;
    if (!child?.pid) return;
    if (this.processGroup) {
      killGroup(child.pid, "SIGTERM");
      // Whatever of the group ignores SIGTERM (an agent that traps it) is killed shortly after.
      setTimeout(() => killGroup(child.pid!, "SIGKILL"), 3_000).unref();
    } else if (isProcessAlive(child.pid)) child.kill("SIGTERM");
  }

  /** Stops the runtime; with `sessionsLost` its sessions are told (an idle sandbox that stops). */
  async stop(options: { sessionsLost?: boolean } = {}) {
    const generation = this.generation;
    this.generation = null;
    // A runtime of our own goes first: its ACP servers die with it, where the SDK's dispose would
    // wait up to 2 s on each DELETE of a server with a turn in it. An external one (no child) is
    // still told by the dispose.
    this.stopSync();
    await generation?.sdk.dispose().catch(() => undefined);
    await this.config.remote?.pause().catch((error) => log.error({ runtime: this.label, err: errorField(error) }, "pausing the runtime failed"));
    if (options.sessionsLost && generation) for (const listener of this.lostListeners) safely(() => listener(generation.id));
  }

  /** Lost (process died, connection dead) and not answering again yet. */
  get recovering() {
    return this.lostAt !== null && !this.stopping;
  }

  /** Whether the runtime was stopped for good (this manager will not start it again). */
  get stopped() {
    return this.stopping;
  }

  private async spawnEmbedded() {
    const launched = await this.config.launcher!.launch();
    const child = launched.child;
    this.url = launched.url;
    this.token = launched.token;
    this.baseFetch = launched.fetch;
    this.child = child;
    this.processGroup = launched.processGroup ?? false;
    let stderrTail = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2_000);
    });
    child.on("error", (error) => log.error({ runtime: this.label, err: errorField(error) }, "could not start the runtime binary"));
    child.on("exit", (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      rmSync(launched.pidFile, { force: true });
      if (this.stopping) return;
      // The runtime prints nothing and exits 1 when its port is taken; say what we know.
      const detail = stderrTail.trim().split("\n").slice(-1)[0] ?? "";
      log.error({ runtime: this.label, exit: signal ?? `code ${code}`, ...(detail ? { detail } : {}) }, "the runtime exited; restarting");
      this.markLost();
      this.scheduleRestart();
    });
    if (child.pid) writeFileSync(launched.pidFile, String(child.pid));

    for (let waited = 0; waited < 15_000; waited += 50) {
      if (this.child !== child) return;
      if (await this.probe()) {
        try {
          launched.healthy?.();
        } catch (error) {
          log.error({ runtime: this.label, err: errorField(error) }, "the runtime is not safe to use");
          this.kill(child, "SIGKILL");
          return;
        }
        this.markReady();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    log.error({ runtime: this.label }, "the runtime did not become healthy within 15 s");
    this.kill(child, "SIGKILL");
  }

  private kill(child: ChildProcess, signal: NodeJS.Signals) {
    if (this.processGroup && child.pid) killGroup(child.pid, signal);
    else child.kill(signal);
  }

  /** A provider's sandbox just created or resumed: its server may take a while to answer. */
  private async waitForRemote() {
    for (let waited = 0; waited < 120_000 && !this.stopping; waited += 500) {
      if (await this.probe()) {
        this.markReady();
        return;
      }
      if (waited > 0 && waited % 10_000 === 0) await this.config.remote!.revive().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    log.error({ runtime: this.label }, "the runtime did not answer within 120 s");
  }

  private scheduleRestart() {
    if (this.stopping || this.restartTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts += 1;
      this.spawnEmbedded().catch((error) => {
        log.error({ runtime: this.label, err: errorField(error) }, "restarting the runtime failed");
        this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref();
  }

  private async probe(): Promise<boolean> {
    return (await this.probeHealth()) === "answered";
  }

  /**
   * `unanswered`: the request went out but no answer came in time (the runtime is busy, starved of
   * CPU, or hung); `unreachable`: it was refused, failed or answered with an error (the runtime is gone).
   */
  private async probeHealth(): Promise<"answered" | "unanswered" | "unreachable"> {
    const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    try {
      const response = await this.baseFetch(`${this.url}/v1/health`, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, signal });
      return response.ok ? "answered" : "unreachable";
    } catch {
      return signal.aborted ? "unanswered" : "unreachable";
    }
  }

  private async checkHealth() {
    if (this.stopping) return;
    const health = await this.probeHealth();
    const healthy = health === "answered";
    this.failedProbes = healthy ? 0 : this.failedProbes + 1;
    if (health === "unanswered") this.unansweredSince ??= Date.now();
    else this.unansweredSince = null;
    if (healthy && this.status !== "ok") {
      if (this.mode === "external" && this.generation && !(await this.externalStillHoldsSessions())) this.markLost();
      this.markReady();
    } else if (!healthy && this.status === "ok" && this.failedProbes >= FAILED_PROBES_BEFORE_DOWN) {
      // Several misses in a row: one slow answer while our own event loop is saturated is not death.
      if (this.mode === "embedded" && this.child) {
        // Killing ends every turn on the runtime. One that takes its connections but is slow to answer
        // (a sandbox starved of CPU by its own agent's build, a host overloaded) is given time to catch
        // up; only one that stays silent that long counts as hung, and one that refuses as gone.
        const unansweredFor = this.unansweredSince === null ? null : Date.now() - this.unansweredSince;
        if (unansweredFor !== null && unansweredFor < env().PORTAL_RUNTIME_UNANSWERED_MS) return;
        log.error(
          { runtime: this.label, ...(unansweredFor === null ? { failedProbes: this.failedProbes } : { unansweredMs: unansweredFor }) },
          unansweredFor === null
            ? "the runtime refuses its health checks; restarting it"
            : "the runtime has not answered its health checks for too long; restarting it",
        );
        // The next runtime starts with a clean record: its own silence is counted from its own checks.
        this.unansweredSince = null;
        this.kill(this.child, "SIGKILL");
      } else this.markDown();
      // A provider's sandbox whose server died is asked to start it again.
      void this.config.remote?.revive().catch((error) => log.error({ runtime: this.label, err: errorField(error) }, "reviving the runtime failed"));
    }
  }

  /** An external runtime that restarted has forgotten the ACP servers our SDK opened. */
  private async externalStillHoldsSessions(): Promise<boolean> {
    const known = this.generation?.fetch.serverIds() ?? [];
    if (known.length === 0) return true;
    try {
      const response = await this.baseFetch(`${this.url}/v1/acp`, {
        headers: this.token ? { authorization: `Bearer ${this.token}` } : {},
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      const body = (await response.json()) as { servers?: Array<{ serverId?: string; id?: string }> };
      const live = new Set((body.servers ?? []).map((server) => server.serverId ?? server.id));
      return known.every((id) => live.has(id));
    } catch {
      return false;
    }
  }

  private markReady() {
    if (!this.generation) {
      generationCounter += 1;
      const generationId = generationCounter;
      const observedFetch = createObservedFetch(
        {
          ...this.config.streamObserver,
          // The answer names its connection: this generation's SDK, and the ACP server on it.
          onClientAnswer: (answer) => this.config.streamObserver?.onClientAnswer?.({ ...answer, generation: generationId }),
          onGap: (report) => this.config.streamObserver?.onGap?.({ ...report, generation: generationId }),
          onRefused: (message, refusal) => this.config.streamObserver?.onRefused?.(message, { ...refusal, lossesJudged: this.lossesJudged() }),
          onConnectionLost: (serverId, reason) => this.connectionLost(generationId, serverId, reason),
        },
        this.baseFetch,
      );
      const sdk = new SandboxAgent({
        baseUrl: this.url,
        token: this.token || undefined,
        persist: this.config.persist,
        fetch: observedFetch.fetch,
      });
      this.generation = { id: generationId, sdk, fetch: observedFetch };
    }
    this.status = "ok";
    this.lostAt = null;
    this.startedAt = new Date();
    this.backoffMs = 250;
    for (const waiter of this.readyWaiters) waiter();
    this.readyWaiters.clear();
    for (const listener of this.readyListeners) safely(() => listener(this.generation!.id));
  }

  /**
   * Resolves once every dead connection reported so far has been judged. A prompt that failed
   * because its connection died waits for this: its turn then ends interrupted, with the others of
   * that connection, rather than as failed.
   */
  async lossesJudged() {
    await this.lossCheck?.judged;
  }

  /**
   * The SDK keeps a dead ACP connection for good (every later prompt on it would hang), so a dead
   * connection ends its generation: its sessions become restorable, and the next health probe that
   * succeeds hands out a fresh SDK. Other generations, and so other runtimes, are not touched.
   */
  private connectionLost(generationId: number, serverId: string, reason: string) {
    if (this.stopping || this.generation?.id !== generationId) return;
    // Every connection of a generation that dies while it is being judged joins that judgement: the
    // generation ends once, with all of them.
    if (this.lossCheck?.generationId === generationId) {
      if (!this.lossCheck.dead.has(serverId)) this.lossCheck.dead.set(serverId, reason);
      return;
    }
    const check = { generationId, dead: new Map([[serverId, reason]]), judged: Promise.resolve() };
    check.judged = this.judgeLoss(check).finally(() => {
      if (this.lossCheck === check) this.lossCheck = null;
    });
    this.lossCheck = check;
  }

  private async judgeLoss({ generationId, dead }: { generationId: number; dead: Map<string, string> }) {
    // A runtime that does not answer at all is also the health check's case (an external one is
    // offline, an embedded one restarted), but a connection stays dead whatever the runtime does
    // next: it is judged once the runtime answers again, unless its generation went first.
    for (;;) {
      if (this.stopping || this.generation?.id !== generationId) return;
      if (await this.probe()) break;
      await new Promise((resolve) => setTimeout(resolve, HEALTH_INTERVAL_MS));
    }
    if (this.stopping || this.generation?.id !== generationId) return;
    const reasons = [...dead.values()];
    this.connectionLosses += 1;
    this.lastConnectionLoss = { at: new Date().toISOString(), reason: reasons.join("; ") };
    log.error({ runtime: this.label, serverIds: [...dead.keys()], reasons }, "an ACP connection is dead; its sessions become restorable");
    this.markLost();
  }

  private markDown() {
    this.status = "down";
    const generation = this.generation;
    if (generation) for (const listener of this.downListeners) safely(() => listener(generation.id));
  }

  private markLost() {
    const lost = this.generation;
    this.lostAt = new Date();
    this.status = this.mode === "embedded" ? "starting" : "down";
    this.generation = null;
    // The old SDK's calls now fail; dispose it so nothing keeps reconnecting to a dead runtime.
    void lost?.sdk.dispose().catch(() => undefined);
    if (lost) for (const listener of this.lostListeners) safely(() => listener(lost.id));
  }
}

function sendSignal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

function safely(fn: () => void) {
  try {
    fn();
  } catch (error) {
    log.error({ err: errorField(error) }, "a runtime listener failed");
  }
}

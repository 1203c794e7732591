import "server-only";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { installConfiguredAgents } from "@/lib/agents/installer";
import { bootstrapAdmin } from "@/lib/auth/bootstrap";
import { authSecret } from "@/lib/auth/secret";
import { databaseUrl, disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded-postgres";
import { runMigrations } from "@/lib/db/migrate";
import { env, EnvError } from "@/lib/env";
import { installServerPolicy } from "@/lib/http/server-policy";
import { setUpgradeHandler } from "@/lib/http/upgrade";
import { pruneLimits } from "@/lib/rate-limit";
import { liveHub } from "@/lib/events/live-hub";
import { errorField, logger } from "@/lib/log";
import { installMetrics } from "@/lib/metrics";
import { releaseAllStreamSlots } from "@/lib/events/stream-slots";
import { eventWriter } from "@/lib/events/writer";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { SandboxPool, setSandboxPool } from "@/lib/sandboxes/pool";
import { chooseSandboxProvider } from "@/lib/sandboxes/providers/choose";
import type { SandboxProvider } from "@/lib/sandboxes/providers/provider";
import { describeLimits } from "@/lib/sandboxes/limits";
import { removeExpiredWorkspaces, sandboxOfSessionCached } from "@/lib/sandboxes/sandboxes";
import { handleTerminalUpgrade } from "@/lib/sandboxes/terminal-socket";
import { attachments } from "@/lib/sessions/attachments";
import { listenForCommands } from "@/lib/cluster/commands";
import { joinCluster, leaveCluster } from "@/lib/cluster/lease";
import { wireRuntimeReactions } from "@/lib/sessions/runtime-reactions";
import { startWebhookWorker } from "@/lib/webhooks/worker";

// Everything the portal process owns, started once by instrumentation.ts before the first request:
// database (embedded unless DATABASE_URL), migrations, the admin account, the runtime (embedded
// unless SANDBOX_AGENT_URL), the LISTEN connection, this instance's lease among the instances on
// the database; and an orderly stop on SIGINT/SIGTERM.

const log = logger("portal");

const booted = globalThis as unknown as { portalBoot?: Promise<void> };

export function boot() {
  // A failure anywhere in start-up is one line and an exit, never a portal that hangs half-started.
  booted.portalBoot ??= start().catch((error) => {
    log.fatal({ err: errorField(error) }, "could not start");
    process.exit(1);
  });
  return booted.portalBoot;
}

async function start() {
  let config;
  try {
    config = env();
  } catch (error) {
    if (error instanceof EnvError) {
      log.fatal(error.message);
      process.exit(1);
    }
    throw error;
  }
  // A rejected promise inside the SDK (e.g. after the runtime restarts) must not take the portal down.
  process.on("unhandledRejection", (reason) => {
    log.error({ err: errorField(reason) }, "unhandled rejection (ignored)");
  });

  installServerPolicy({ trustProxy: config.PORTAL_TRUST_PROXY });
  // Without NEXTAUTH_URL, next-auth builds its URLs from X-Forwarded-Host/-Proto, which the policy
  // above has made this server's own (or a trusted proxy's): sign-out then lands on the right port.
  if (!config.NEXTAUTH_URL) process.env.AUTH_TRUST_HOST = "1";

  const dataDir = path.resolve(config.PORTAL_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  // PORTAL_AGENTS: the named real agents are installed in the background when missing (one log line).
  installConfiguredAgents(config.PORTAL_AGENTS);
  let provider: SandboxProvider;
  try {
    provider = await chooseSandboxProvider({ config, dataDir, turnsIn: runningTurnsIn });
  } catch (error) {
    log.fatal(errorField(error));
    process.exit(1);
  }
  authSecret();

  let embedded: EmbeddedDatabase | null = null;
  try {
    if (config.DATABASE_URL) setDatabaseUrl(config.DATABASE_URL);
    else {
      embedded = await startEmbeddedPostgres(dataDir);
      setDatabaseUrl(embedded.url);
    }
    const applied = await runMigrations(databaseUrl());
    if (applied.length > 0) log.info({ migrations: applied }, "applied migrations");
  } catch (error) {
    log.fatal({ err: errorField(error) }, "database failed");
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }

  const admin = await bootstrapAdmin();
  listenForCommands();
  await liveHub().start(databaseUrl());
  // Expired rate-limit windows are dropped now and then so the counters table stays small.
  setInterval(() => void pruneLimits().catch(() => undefined), 10 * 60_000).unref();
  startWebhookWorker();
  // This instance's lease; what its previous run (or a dead instance) left behind becomes restorable.
  await joinCluster({ dataDir });

  const reactions = wireRuntimeReactions();
  const runtime = new SandboxPool({
    provider,
    persist: persistDriver(),
    streamObserver: reactions.streamObserver,
    listeners: reactions.listeners,
    idleMs: config.PORTAL_SANDBOX_IDLE_MINUTES * 60_000,
    maxRunning: config.PORTAL_SANDBOX_MAX_RUNNING,
    maxRunningPerTeam: config.PORTAL_SANDBOX_MAX_RUNNING_PER_TEAM ?? Math.max(1, Math.ceil(config.PORTAL_SANDBOX_MAX_RUNNING / 2)),
    busy: (sandboxId) => sandboxHasRunningTurn(sandboxId),
    queueMs: config.PORTAL_SANDBOX_QUEUE_SECONDS * 1000,
  });
  setSandboxPool(runtime);
  // Terminal sockets (the server hands this process every WebSocket upgrade).
  setUpgradeHandler(handleTerminalUpgrade);
  installMetrics({ occupancy: () => runtime.occupancy() });
  process.on("exit", () => runtime.stopAllSync());
  await runtime.start().catch((error) => log.error({ err: errorField(error) }, "the runtime did not start"));
  // Destroyed sandboxes keep their workspace for PORTAL_SANDBOX_RETAIN_DAYS, then it is removed.
  const sweep = () =>
    void removeExpiredWorkspaces(config.PORTAL_SANDBOX_RETAIN_DAYS).catch((error) =>
      log.error({ err: errorField(error) }, "removing expired workspaces failed"),
    );
  sweep();
  setInterval(sweep, 3_600_000).unref();

  const stop = async (signal: string) => {
    log.info({ signal }, "flushing events and stopping");
    const timeout = setTimeout(() => process.exit(1), 10_000);
    await eventWriter()
      .flushed()
      .catch(() => undefined);
    await runtime.stopAll().catch(() => undefined);
    await leaveCluster().catch((error: unknown) => log.error({ err: errorField(error) }, "releasing this instance's sandboxes failed"));
    await eventWriter()
      .flushed()
      .catch(() => undefined);
    await releaseAllStreamSlots().catch(() => undefined);
    await liveHub().stop();
    await disconnectDb().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    clearTimeout(timeout);
    process.exit(0);
  };
  // Ctrl-C in a terminal signals the whole process group, and `npm start`'s script passes it on too:
  // the portal gets SIGINT twice. Once stopping, a signal changes nothing; a second one left to
  // Node's default would end the process at once, before the flush and the exit handlers (which
  // unmount the spare disk and stop the jails).
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void stop(signal);
    });
  }

  // The lines a person starting the portal reads stay plain text on the terminal, not JSON; the
  // generated first password is deliberately among them, printed once (nowhere else, never logged).
  const url = config.NEXTAUTH_URL ?? `http://localhost:${config.PORT}`;
  console.log(`[portal] database: ${embedded ? `embedded PostgreSQL in ${embedded.databaseDir}` : "external"}`);
  console.log(`[portal] sandboxes: ${provider.describe()}`);
  if (provider.name === "bwrap") console.log(`[portal] ${describeLimits()}`);
  console.log(`[portal] runtime: ${runtime.primaryInfo()?.status ?? "starting"}`);
  if (admin?.generatedPassword) {
    console.log(`[portal] first start: sign in as ${admin.email} with password ${admin.generatedPassword}`);
    console.log("[portal] (shown once; set PORTAL_ADMIN_EMAIL and PORTAL_ADMIN_PASSWORD to choose your own)");
  }
  console.log(`[portal] ready: open ${url}`);
}

function sandboxHasRunningTurn(sandboxId: string): boolean {
  return runningTurnsIn(sandboxId).length > 0;
}

/** The turns running in a sandbox, or in any (null: a shared runtime's). */
function runningTurnsIn(sandboxId: string | null) {
  return attachments()
    .runningTurns()
    .filter(({ sessionId }) => sandboxId === null || sandboxOfSessionCached(sessionId)?.id === sandboxId);
}

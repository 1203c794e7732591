import "server-only";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { bootstrapAdmin } from "@/lib/auth/bootstrap";
import { authSecret } from "@/lib/auth/secret";
import { databaseUrl, disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded-postgres";
import { runMigrations } from "@/lib/db/migrate";
import { env, EnvError } from "@/lib/env";
import { installServerPolicy } from "@/lib/http/server-policy";
import { pruneLimits } from "@/lib/rate-limit";
import { liveHub } from "@/lib/events/live-hub";
import { releaseAllStreamSlots } from "@/lib/events/stream-slots";
import { eventWriter } from "@/lib/events/writer";
import type { SandboxProvider } from "sandbox-agent";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { bwrapAvailable } from "@/lib/sandboxes/bwrap";
import { loadCloudProvider } from "@/lib/sandboxes/cloud";
import { CLOUD_PROVIDERS, type CloudProviderName } from "@/lib/sandboxes/cloud-providers";
import { chooseSandboxNetwork, type SandboxNetwork } from "@/lib/sandboxes/network";
import { sandboxesRoot } from "@/lib/sandboxes/layout";
import { removeExpiredWorkspaces, sandboxOfSessionCached } from "@/lib/sandboxes/sandboxes";
import { SandboxRuntimes, setSandboxRuntimes } from "@/lib/sandboxes/runtimes";
import { attachments } from "@/lib/sessions/attachments";
import { listenForCommands } from "@/lib/cluster/commands";
import { joinCluster, leaveCluster } from "@/lib/cluster/lease";
import { wireRuntimeReactions } from "@/lib/sessions/runtime-reactions";

// Everything the portal process owns, started once by instrumentation.ts before the first request:
// database (embedded unless DATABASE_URL), migrations, the admin account, the runtime (embedded
// unless SANDBOX_AGENT_URL), the LISTEN connection, this instance's lease among the instances on
// the database; and an orderly stop on SIGINT/SIGTERM.

const booted = globalThis as unknown as { portalBoot?: Promise<void> };

export function boot() {
  // A failure anywhere in start-up is one line and an exit, never a portal that hangs half-started.
  booted.portalBoot ??= start().catch((error) => {
    console.error(`[portal] could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  return booted.portalBoot;
}

function isCloudProvider(name: string): name is CloudProviderName {
  return (CLOUD_PROVIDERS as readonly string[]).includes(name);
}

async function start() {
  let config;
  try {
    config = env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`[portal] ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // A rejected promise inside the SDK (e.g. after the runtime restarts) must not take the portal down.
  process.on("unhandledRejection", (reason) => {
    console.error(`[portal] unhandled rejection (ignored): ${reason instanceof Error ? reason.message : String(reason)}`);
  });

  installServerPolicy({ trustProxy: config.PORTAL_TRUST_PROXY });
  // Without NEXTAUTH_URL, next-auth builds its URLs from X-Forwarded-Host/-Proto, which the policy
  // above has made this server's own (or a trusted proxy's): sign-out then lands on the right port.
  if (!config.NEXTAUTH_URL) process.env.AUTH_TRUST_HOST = "1";

  const dataDir = path.resolve(config.PORTAL_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const provider = config.SANDBOX_AGENT_URL ? "external" : config.PORTAL_SANDBOX;
  if (provider === "bwrap" && !bwrapAvailable()) {
    console.error("[portal] sandboxes need bubblewrap (PORTAL_SANDBOX=bwrap, the default): install it with `apt-get install bubblewrap`, or set PORTAL_SANDBOX=local to run agents unisolated on this host");
    process.exit(1);
  }
  let network: SandboxNetwork = "none";
  if (provider === "bwrap") {
    try {
      const chosen = chooseSandboxNetwork(config.PORTAL_SANDBOX_NETWORK);
      network = chosen.network;
      if (chosen.note) console.warn(`[portal] ${chosen.note}`);
    } catch (error) {
      console.error(`[portal] ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  }
  let cloud: SandboxProvider | undefined;
  if (isCloudProvider(provider)) {
    try {
      cloud = await loadCloudProvider(provider, config.PORTAL_SANDBOX_OPTIONS);
    } catch (error) {
      console.error(`[portal] ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
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
    if (applied.length > 0) console.log(`[portal] applied migrations: ${applied.join(", ")}`);
  } catch (error) {
    console.error(`[portal] database: ${error instanceof Error ? error.message : String(error)}`);
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }

  const admin = await bootstrapAdmin();
  listenForCommands();
  await liveHub().start(databaseUrl());
  // Expired rate-limit windows are dropped now and then so the counters table stays small.
  setInterval(() => void pruneLimits().catch(() => undefined), 10 * 60_000).unref();
  // This instance's lease; what its previous run (or a dead instance) left behind becomes restorable.
  await joinCluster({ dataDir });

  const reactions = wireRuntimeReactions();
  const runtime = new SandboxRuntimes({
    provider,
    dataDir,
    sandboxesRoot: sandboxesRoot(dataDir),
    external: config.SANDBOX_AGENT_URL ? { url: config.SANDBOX_AGENT_URL, token: config.SANDBOX_AGENT_TOKEN } : undefined,
    cloud,
    persist: persistDriver(),
    streamObserver: reactions.streamObserver,
    listeners: reactions.listeners,
    idleMs: config.PORTAL_SANDBOX_IDLE_MINUTES * 60_000,
    maxRunning: config.PORTAL_SANDBOX_MAX_RUNNING,
    network,
    busy: (sandboxId) => sandboxHasRunningTurn(sandboxId),
  });
  setSandboxRuntimes(runtime);
  process.on("exit", () => runtime.stopAllSync());
  await runtime.start().catch((error) => console.error(`[runtime] ${error instanceof Error ? error.message : String(error)}`));
  // Destroyed sandboxes keep their workspace for PORTAL_SANDBOX_RETAIN_DAYS, then it is removed.
  const sweep = () => void removeExpiredWorkspaces(config.PORTAL_SANDBOX_RETAIN_DAYS).catch((error) => console.error(`[sandbox] removing expired workspaces failed: ${String(error)}`));
  sweep();
  setInterval(sweep, 3_600_000).unref();

  const stop = async (signal: string) => {
    console.log(`[portal] ${signal}: flushing events and stopping`);
    const timeout = setTimeout(() => process.exit(1), 10_000);
    await eventWriter().flushed().catch(() => undefined);
    await runtime.stopAll().catch(() => undefined);
    await leaveCluster().catch((error: unknown) => console.error(`[portal] releasing this instance's sandboxes failed: ${String(error)}`));
    await eventWriter().flushed().catch(() => undefined);
    await releaseAllStreamSlots().catch(() => undefined);
    await liveHub().stop();
    await disconnectDb().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    clearTimeout(timeout);
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  const url = config.NEXTAUTH_URL ?? `http://localhost:${config.PORT}`;
  console.log(`[portal] database: ${embedded ? `embedded PostgreSQL in ${embedded.databaseDir}` : "external"}`);
  console.log(`[portal] sandboxes: ${provider}${provider === "bwrap" ? ` in ${runtime.config.sandboxesRoot}${process.getuid?.() === 0 ? " (each as a uid of its own" : " (as this user, in a user namespace"}, network ${network === "outbound" ? "outbound only, not the host's loopback" : "none"})` : provider === "local" ? " (agents run unisolated on this host)" : cloud ? ` (a sandbox of the provider per sandbox of a team)` : ` (${config.SANDBOX_AGENT_URL})`}`);
  console.log(`[portal] runtime: ${runtime.primaryInfo()?.status ?? "starting"}`);
  if (admin?.generatedPassword) {
    console.log(`[portal] first start: sign in as ${admin.email} with password ${admin.generatedPassword}`);
    console.log("[portal] (shown once; set PORTAL_ADMIN_EMAIL and PORTAL_ADMIN_PASSWORD to choose your own)");
  }
  console.log(`[portal] ready: open ${url}`);
}

function sandboxHasRunningTurn(sandboxId: string): boolean {
  return attachments()
    .runningTurns()
    .some(({ sessionId }) => sandboxOfSessionCached(sessionId)?.id === sandboxId);
}

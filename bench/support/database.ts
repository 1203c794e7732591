import { randomBytes } from "node:crypto";
import pg from "pg";
import { disconnectDb, setDatabaseUrl } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { createTestDatabase } from "../../tests/integration/harness";
import { onCleanup } from "./cleanup";

// A uniquely named database on the machine's PostgreSQL per bench run, migrated with the portal's
// own runner, dropped at the end (even on failure).

export interface BenchDatabase {
  name: string;
  url: string;
  /** A plain pg pool for the bench's own SQL (fixtures, baselines, verification). */
  pool: pg.Pool;
}

export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const database = await createTestDatabase(`portal_bench_${label}`);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  onCleanup(async () => {
    await disconnectDb().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await database.drop();
  });
  await runMigrations(database.url);
  setDatabaseUrl(database.url);
  return { name: database.name, url: database.url, pool };
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
  {
    id,
    teamId,
    userId,
    agent = "demo",
    status = "idle",
    title = "bench session",
  }: { id: string; teamId: string; userId: string; agent?: string; status?: string; title?: string },
) {
  await pool.query(`INSERT INTO sessions (id, team_id, created_by, title, agent, status) VALUES ($1, $2, $3, $4, $5, $6::"SessionStatus")`, [
    id,
    teamId,
    userId,
    title,
    agent,
    status,
  ]);
}

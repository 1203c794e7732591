import pg from "pg";
import { testDatabaseUrl } from "../../integration/harness";
import { workerPortal } from "./fixtures";

// The worker portal's own database (support/fixtures.ts names it, portal-server.ts creates it), for
// fixtures too big to make through the API, such as a history of 100,000 events.

export async function withPortalDatabase<T>(use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: testDatabaseUrl(workerPortal().database), max: 2 });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

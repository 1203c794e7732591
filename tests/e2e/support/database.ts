import pg from "pg";
import { testDatabaseUrl } from "../../integration/harness";

// The e2e portal's own database (playwright.config.ts names it, portal-server.ts creates it), for
// fixtures too big to make through the API, such as a history of 100,000 events.

export async function withPortalDatabase<T>(use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const name = process.env.E2E_DATABASE;
  if (!name) throw new Error("E2E_DATABASE is not set (playwright.config.ts sets it)");
  const pool = new pg.Pool({ connectionString: testDatabaseUrl(name), max: 2 });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

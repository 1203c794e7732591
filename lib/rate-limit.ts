import "server-only";
import { db } from "@/lib/db/client";

// Fixed-window counters in PostgreSQL, so a limit holds across every portal instance: one upsert
// per hit counts it and says whether the caller is still within the limit.

export interface LimitResult {
  allowed: boolean;
  count: number;
  retryAfterSeconds: number;
}

export async function hitLimit({ key, limit, windowSeconds }: { key: string; limit: number; windowSeconds: number }): Promise<LimitResult> {
  const rows = await db().$queryRaw<Array<{ count: number; retry: number }>>`
    INSERT INTO rate_limits (key, count, reset_at) VALUES (${key}, 1, now() + make_interval(secs => ${windowSeconds}))
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limits.reset_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
      reset_at = CASE WHEN rate_limits.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limits.reset_at END
    RETURNING count, CEIL(EXTRACT(EPOCH FROM (reset_at - now())))::int AS retry`;
  const row = rows[0]!;
  return { allowed: row.count <= limit, count: row.count, retryAfterSeconds: Math.max(1, row.retry) };
}

export async function clearLimit(key: string) {
  await db().$executeRaw`DELETE FROM rate_limits WHERE key = ${key}`;
}

/** Drops expired windows now and then, so the table holds only live counters. */
export async function pruneLimits() {
  await db().$executeRaw`DELETE FROM rate_limits WHERE reset_at < now() - interval '1 minute'`;
}

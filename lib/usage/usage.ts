import "server-only";
import { Prisma } from "@/generated/prisma/client";
import type { UsageFigures, UsageGrouping, UsageItem, UsageReportJson } from "@/lib/contract/usage";
import { db } from "@/lib/db/client";

// What the gateway's model calls add up to, read from the daily roll-up that a trigger keeps beside
// model_calls (migration 20261206220000_governance): a team's month is at most members × sessions ×
// models × days rows, so every grouping is one small aggregate however many calls were made.

const DAY_MS = 24 * 3600 * 1000;

// Each grouping's key and label, from the roll-up row `d` (users and sessions joined for names).
const GROUPINGS: Record<UsageGrouping, { key: Prisma.Sql; label: Prisma.Sql; joins: Prisma.Sql; order: Prisma.Sql }> = {
  day: {
    key: Prisma.sql`to_char(d.day AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    label: Prisma.sql`to_char(d.day AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    joins: Prisma.empty,
    order: Prisma.sql`key ASC`,
  },
  user: {
    key: Prisma.sql`d.user_id`,
    label: Prisma.sql`COALESCE(min(u.name), min(u.email), CASE WHEN d.user_id = '' THEN 'Nobody (no prompting member)' ELSE 'Former member' END)`,
    joins: Prisma.sql`LEFT JOIN users u ON u.id = NULLIF(d.user_id, '')`,
    order: Prisma.sql`cost DESC NULLS LAST, calls DESC, key ASC`,
  },
  session: {
    key: Prisma.sql`d.session_id`,
    label: Prisma.sql`COALESCE(min(s.title), CASE WHEN d.session_id = '' THEN 'No session' ELSE 'Deleted session' END)`,
    joins: Prisma.sql`LEFT JOIN sessions s ON s.id = NULLIF(d.session_id, '')`,
    order: Prisma.sql`cost DESC NULLS LAST, calls DESC, key ASC`,
  },
  model: { key: Prisma.sql`d.model`, label: Prisma.sql`d.model`, joins: Prisma.empty, order: Prisma.sql`cost DESC NULLS LAST, calls DESC, key ASC` },
};

type Row = { key: string; label: string; calls: number; input: bigint; output: bigint; cache_read: bigint; cache_write: bigint; cost: Prisma.Decimal | null };

const figures = (row: Omit<Row, "key" | "label">): UsageFigures => ({
  calls: Number(row.calls),
  inputTokens: Number(row.input),
  outputTokens: Number(row.output),
  cacheReadTokens: Number(row.cache_read),
  cacheWriteTokens: Number(row.cache_write),
  costUsd: row.cost === null ? null : Number(row.cost),
});

const SUMS = Prisma.sql`sum(d.calls)::int AS calls, sum(d.input_tokens)::bigint AS input, sum(d.output_tokens)::bigint AS output,
  sum(d.cache_read_tokens)::bigint AS cache_read, sum(d.cache_write_tokens)::bigint AS cache_write,
  CASE WHEN sum(d.priced_calls) > 0 THEN sum(d.cost_usd) END AS cost`;

/** Usage of a team from the day `from` to the day `to`, both included (UTC), grouped; the top `limit` groups and the total. */
export async function usageReport({
  teamId,
  from,
  to,
  groupBy,
  limit,
}: {
  teamId: string;
  from: Date;
  to: Date;
  groupBy: UsageGrouping;
  limit: number;
}): Promise<UsageReportJson> {
  const grouping = GROUPINGS[groupBy];
  const until = new Date(to.getTime() + DAY_MS);
  const [rows, totals] = await Promise.all([
    db().$queryRaw<Row[]>`
      SELECT ${grouping.key} AS key, ${grouping.label} AS label, ${SUMS}
      FROM model_usage_days d ${grouping.joins}
      WHERE d.team_id = ${teamId} AND d.day >= ${from} AND d.day < ${until}
      GROUP BY 1
      ORDER BY ${grouping.order} LIMIT ${limit}`,
    db().$queryRaw<Array<Omit<Row, "key" | "label">>>`
      SELECT ${SUMS} FROM model_usage_days d WHERE d.team_id = ${teamId} AND d.day >= ${from} AND d.day < ${until}`,
  ]);
  const items: UsageItem[] = rows.map((row) => ({ key: row.key, label: row.label, ...figures(row) }));
  const total =
    totals[0] && totals[0].calls !== null ? figures(totals[0]) : figures({ calls: 0, input: 0n, output: 0n, cache_read: 0n, cache_write: 0n, cost: null });
  return { groupBy, from: dayString(from), to: dayString(to), items, total };
}

/** The gateway's figures of one session, or null when it made no model call. */
export async function sessionUsage(sessionId: string) {
  const [row] = await db().$queryRaw<Array<Omit<Row, "key" | "label">>>`SELECT ${SUMS} FROM model_usage_days d WHERE d.session_id = ${sessionId}`;
  if (!row || row.calls === null || Number(row.calls) === 0) return null;
  const { calls, inputTokens, outputTokens, costUsd } = figures(row);
  return { calls, inputTokens, outputTokens, costUsd };
}

export const dayString = (day: Date) => day.toISOString().slice(0, 10);

/** The first day of the month of `at`, UTC. */
export const monthStart = (at = new Date()) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));

/** The report as CSV (the Usage page's export). */
export function usageCsv(report: UsageReportJson) {
  const header = [report.groupBy, "label", "calls", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd"];
  const cell = (value: string | number | null) => {
    const text = value === null ? "" : String(value);
    // Quoted when needed; a leading =, +, - or @ is defused so a spreadsheet does not run it as a formula.
    const safe = /^[=+\-@\t\r]/.test(text) && typeof value === "string" ? `'${text}` : text;
    return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const lines = report.items.map((item) =>
    [item.key, item.label, item.calls, item.inputTokens, item.outputTokens, item.cacheReadTokens, item.cacheWriteTokens, item.costUsd].map(cell).join(","),
  );
  return [header.join(","), ...lines].join("\r\n") + "\r\n";
}

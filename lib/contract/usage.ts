// Usage (GET /api/teams/:teamId/usage) and budgets (GET|PUT /api/teams/:teamId/budget), as the
// routes answer them and the Usage page shows them.

export const USAGE_GROUPINGS = ["day", "user", "session", "model"] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

export interface UsageFigures {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Null when no call of the group had a known price. */
  costUsd: number | null;
}

export interface UsageItem extends UsageFigures {
  key: string;
  label: string;
}

export interface UsageReportJson {
  groupBy: UsageGrouping;
  from: string;
  to: string;
  items: UsageItem[];
  total: UsageFigures;
}

export interface BudgetJson {
  monthlyUsd: number | null;
  memberMonthlyUsd: number | null;
  /** This calendar month (UTC). */
  month: { start: string; spentUsd: number };
  /** The team's state against its budget: null under 80 %. */
  alert: null | { level: "warning" | "reached"; message: string };
  /** Members at 80 % or more of the member budget. */
  members: Array<{ userId: string; name: string; spentUsd: number; level: "warning" | "reached" }>;
}

/** 12.3456 → "$12.35"; tiny amounts keep their digits ("$0.0042"). */
export function formatUsd(value: number | null) {
  if (value === null) return "—";
  if (value !== 0 && Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

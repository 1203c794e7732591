import Link from "next/link";
import { redirect } from "next/navigation";
import { UsageChart } from "@/components/governance/usage-chart";
import { TeamCrumb } from "@/components/manage/team-crumb";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { getCurrentUser } from "@/lib/auth/current-user";
import { formatUsd, type UsageGrouping, type UsageReportJson } from "@/lib/contract/usage";
import { may } from "@/lib/contract/roles";
import { teamForPage } from "@/lib/teams/membership";
import { getBudget } from "@/lib/usage/budgets";
import { dayString, usageReport } from "@/lib/usage/usage";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ teamId: string }>; searchParams: Promise<{ from?: string; to?: string }> };

export async function generateMetadata({ params }: Props) {
  const user = await getCurrentUser();
  if (!user) return { title: "Usage" };
  const { team } = await teamForPage((await params).teamId, user.id);
  return { title: `Usage · ${team.name}` };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TOP = 10;
const number = new Intl.NumberFormat("en");

const SECTIONS: Array<{ groupBy: Exclude<UsageGrouping, "day">; title: string; column: string }> = [
  { groupBy: "user", title: "By member", column: "Member" },
  { groupBy: "model", title: "By model", column: "Model" },
  { groupBy: "session", title: "By session", column: "Session" },
];

/** The range from the query when it is two valid days in order; this month so far otherwise. */
function rangeOf(query: { from?: string; to?: string }) {
  const now = new Date();
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const parse = (value: string | undefined) =>
    value && DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? new Date(`${value}T00:00:00Z`) : null;
  const to = parse(query.to) ?? today;
  const from = parse(query.from) ?? new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), 1));
  return from <= to && to.getTime() - from.getTime() <= 366 * 86_400_000
    ? { from, to }
    : { from: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)), to: today };
}

export default async function UsagePage({ params, searchParams }: Props) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { teamId } = await params;
  const { team, role } = await teamForPage(teamId, user.id);
  const { from, to } = rangeOf(await searchParams);
  const [byDay, ...groups] = await Promise.all([
    usageReport({ teamId, from, to, groupBy: "day", limit: 400 }),
    ...SECTIONS.map((section) => usageReport({ teamId, from, to, groupBy: section.groupBy, limit: TOP })),
  ]);
  const budget = may(role, "configureTeam") ? await getBudget({ teamId }) : null;
  const csv = (groupBy: UsageGrouping) => `/api/teams/${team.id}/usage?groupBy=${groupBy}&from=${dayString(from)}&to=${dayString(to)}&format=csv&limit=10000`;
  const total = byDay.total;
  return (
    <div className="page">
      <PageHeader
        crumb={<TeamCrumb team={team} />}
        title={`Usage of ${team.name}`}
        titleTestId="usage-title"
        subtitle="Model calls the team's agents made through the portal's gateway: tokens, calls and cost where the price is known (UTC days)."
      />
      {budget?.alert && (
        <p className={`banner inline ${budget.alert.level === "reached" ? "error" : ""} budget-banner`} role="status" data-testid="budget-banner">
          {budget.alert.message} <Link href={`/teams/${team.id}/settings`}>Budget settings</Link>
        </p>
      )}
      <form className="manage-filters" action={`/teams/${team.id}/usage`} data-testid="usage-range">
        <label className="field">
          <span>From</span>
          <input type="date" name="from" defaultValue={dayString(from)} />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" name="to" defaultValue={dayString(to)} />
        </label>
        <button type="submit" className="button small">
          Show
        </button>
        <a className="button ghost small" href={csv("day")} download data-testid="usage-csv">
          Export CSV
        </a>
      </form>
      <dl className="usage-totals" data-testid="usage-totals">
        <div>
          <dt>Cost</dt>
          <dd data-testid="usage-total-cost">{formatUsd(total.costUsd)}</dd>
        </div>
        <div>
          <dt>Model calls</dt>
          <dd data-testid="usage-total-calls">{number.format(total.calls)}</dd>
        </div>
        <div>
          <dt>Input tokens</dt>
          <dd>{number.format(total.inputTokens)}</dd>
        </div>
        <div>
          <dt>Output tokens</dt>
          <dd>{number.format(total.outputTokens)}</dd>
        </div>
        <div>
          <dt>Cache read / write</dt>
          <dd>
            {number.format(total.cacheReadTokens)} / {number.format(total.cacheWriteTokens)}
          </dd>
        </div>
      </dl>
      {total.calls === 0 ? (
        <div className="empty" data-testid="usage-empty">
          <p className="empty-title">No model calls in this range</p>
          <p className="muted">Agents that call a model through the portal show up here.</p>
        </div>
      ) : (
        <>
          <ManageSection title="By day" testId="usage-day">
            <UsageChart items={byDay.items} title="By day" />
          </ManageSection>
          <div className="usage-grid">
            {SECTIONS.map((section, index) => (
              <ManageSection key={section.groupBy} title={section.title} testId={`usage-${section.groupBy}`}>
                <UsageChart items={groups[index]!.items} title={section.title} horizontal />
                <UsageTable report={groups[index]!} column={section.column} teamId={team.id} />
                <a className="small" href={csv(section.groupBy)} download>
                  All of them as CSV
                </a>
              </ManageSection>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

function UsageTable({ report, column, teamId }: { report: UsageReportJson; column: string; teamId: string }) {
  return (
    <ManageTable columns={[column, "Calls", "Tokens in / out", "Cost"]} testId={`usage-table-${report.groupBy}`}>
      {report.items.map((item) => (
        <tr key={item.key} data-testid="usage-row">
          <td>{report.groupBy === "session" && item.key ? <Link href={`/sessions/${item.key}`}>{item.label}</Link> : item.label}</td>
          <td>{number.format(item.calls)}</td>
          <td className="small">
            {number.format(item.inputTokens)} / {number.format(item.outputTokens)}
          </td>
          <td>{formatUsd(item.costUsd)}</td>
        </tr>
      ))}
      {report.items.length === 0 && (
        <tr>
          <td colSpan={4} className="muted small">
            Nothing in this range for team {teamId.slice(0, 8)}.
          </td>
        </tr>
      )}
    </ManageTable>
  );
}

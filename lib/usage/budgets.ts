import "server-only";
import { Prisma } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import type { BudgetJson } from "@/lib/contract/usage";
import { formatUsd } from "@/lib/contract/usage";
import { db } from "@/lib/db/client";
import { recordChange } from "@/lib/sessions/journal";
import { monthStart } from "@/lib/usage/usage";
import { emitTeamWebhook } from "@/lib/webhooks/emit";

// Monthly budgets (UTC calendar months) per team and per member. The model gateway asks
// budgetRefusal() before it forwards a call and, at 100 %, answers the agent as a provider does when
// a limit is hit; after recording a call it calls afterModelCall(), which sends the 80 % warning and
// the 100 % notice once per month and scope (a budget_alerts row is the claim, so several gateway
// instances send each once). Spend is read from the daily roll-up of model_calls.

const WARNING_SHARE = 0.8;

export type BudgetScope = "team" | "member";
export interface BudgetRefusal {
  scope: BudgetScope;
  message: string;
}

export async function getBudget({ teamId }: { teamId: string }): Promise<BudgetJson> {
  const start = monthStart();
  const [budget, spent] = await Promise.all([db().teamBudget.findUnique({ where: { teamId } }), teamSpend(teamId, start)]);
  const monthlyUsd = budget?.monthlyUsd === null || budget?.monthlyUsd === undefined ? null : Number(budget.monthlyUsd);
  const memberMonthlyUsd = budget?.memberMonthlyUsd === null || budget?.memberMonthlyUsd === undefined ? null : Number(budget.memberMonthlyUsd);
  const team = await db().team.findUniqueOrThrow({ where: { id: teamId }, select: { name: true } });
  const level = levelOf(spent, monthlyUsd);
  const members =
    memberMonthlyUsd === null
      ? []
      : (
          await db().$queryRaw<Array<{ user_id: string; name: string | null; spent: Prisma.Decimal }>>`
            SELECT d.user_id, min(u.name) AS name, sum(d.cost_usd) AS spent
            FROM model_usage_days d LEFT JOIN users u ON u.id = d.user_id
            WHERE d.team_id = ${teamId} AND d.day >= ${start} AND d.user_id <> ''
            GROUP BY d.user_id HAVING sum(d.cost_usd) >= ${Math.round(memberMonthlyUsd * WARNING_SHARE * 1e6) / 1e6}
            ORDER BY spent DESC LIMIT 100`
        ).map((row) => ({
          userId: row.user_id,
          name: row.name ?? "Former member",
          spentUsd: Number(row.spent),
          level: levelOf(Number(row.spent), memberMonthlyUsd)!,
        }));
  return {
    monthlyUsd,
    memberMonthlyUsd,
    month: { start: start.toISOString(), spentUsd: spent },
    alert: level && monthlyUsd !== null ? { level, message: alertMessage(level, team.name, spent, monthlyUsd) } : null,
    members,
  };
}

export async function setBudget({
  teamId,
  actorId,
  monthlyUsd,
  memberMonthlyUsd,
}: {
  teamId: string;
  actorId: string;
  monthlyUsd: number | null;
  memberMonthlyUsd: number | null;
}) {
  await db().$transaction(async (tx) => {
    await tx.teamBudget.upsert({
      where: { teamId },
      create: { teamId, monthlyUsd, memberMonthlyUsd, updatedBy: actorId },
      update: { monthlyUsd, memberMonthlyUsd, updatedBy: actorId, updatedAt: new Date() },
    });
    // A changed budget may warn again this month.
    await tx.budgetAlert.deleteMany({ where: { teamId, month: monthStart() } });
    await recordAudit(tx, { teamId, actorId, action: "budget.update", targetType: "team", targetId: teamId, detail: { monthlyUsd, memberMonthlyUsd } });
  });
  return getBudget({ teamId });
}

/**
 * For the gateway, before it forwards a model call: null to go ahead, or why not (the team's or the
 * member's budget for this month is spent). The message is what the turn's end tells people.
 */
export async function budgetRefusal({ teamId, userId }: { teamId: string; userId: string | null }): Promise<BudgetRefusal | null> {
  const state = await budgetState({ teamId, userId });
  if (!state) return null;
  if (state.team.limit !== null && state.team.spent >= state.team.limit)
    return { scope: "team", message: `Budget of ${state.teamName} reached (${formatUsd(state.team.limit)} this month).` };
  if (state.member && state.member.limit !== null && state.member.spent >= state.member.limit) {
    return { scope: "member", message: `Your budget in ${state.teamName} reached (${formatUsd(state.member.limit)} this month).` };
  }
  return null;
}

/** For the gateway, after it recorded a call: the 80 % warning and the 100 % notice, each once a month per scope. */
export async function afterModelCall({ teamId, userId }: { teamId: string; userId: string | null }) {
  const state = await budgetState({ teamId, userId });
  if (!state) return;
  const month = monthStart();
  const scopes = [
    { scope: "team" as const, who: "", ...state.team },
    ...(state.member && userId ? [{ scope: "member" as const, who: userId, ...state.member }] : []),
  ];
  for (const { scope, who, spent, limit } of scopes) {
    const level = levelOf(spent, limit);
    if (!level || limit === null) continue;
    // The reached notice implies the warning: both rows, so a later warning is not sent after it.
    const levels = level === "reached" ? [80, 100] : [80];
    const claimed = await db().$queryRaw<Array<{ level: number }>>`
      INSERT INTO budget_alerts (team_id, scope, user_id, month, level)
      SELECT ${teamId}, ${scope}, ${who}, ${month}, unnest(${levels}::int[])
      ON CONFLICT DO NOTHING RETURNING level`;
    const sent = Math.max(0, ...claimed.map((row) => row.level));
    if (sent === 0) continue;
    const event = sent === 100 ? "budget.reached" : "budget.warning";
    const whose = scope === "team" ? state.teamName : `${state.memberName ?? "A member"} in ${state.teamName}`;
    await emitTeamWebhook({
      teamId,
      event,
      data: {
        scope,
        userId: scope === "member" ? userId : null,
        spentUsd: spent,
        budgetUsd: limit,
        month: month.toISOString(),
        message: alertMessage(sent === 100 ? "reached" : "warning", whose, spent, limit),
      },
    });
  }
}

/** For the gateway: the turn that was refused ends with this portal event in the session's history. */
export function recordBudgetReached({ sessionId, refusal }: { sessionId: string; refusal: BudgetRefusal }) {
  return recordChange({ sessionId, event: { type: "budget_reached", scope: refusal.scope, message: refusal.message } });
}

async function budgetState({ teamId, userId }: { teamId: string; userId: string | null }) {
  const budget = await db().teamBudget.findUnique({ where: { teamId }, include: { team: { select: { name: true } } } });
  if (!budget || (budget.monthlyUsd === null && budget.memberMonthlyUsd === null)) return null;
  const start = monthStart();
  const [team, member, memberName] = await Promise.all([
    budget.monthlyUsd === null ? 0 : teamSpend(teamId, start),
    budget.memberMonthlyUsd === null || !userId ? null : memberSpend(teamId, userId, start),
    budget.memberMonthlyUsd === null || !userId
      ? null
      : db()
          .user.findUnique({ where: { id: userId }, select: { name: true } })
          .then((user) => user?.name ?? null),
  ]);
  return {
    teamName: budget.team.name,
    memberName,
    team: { spent: team, limit: budget.monthlyUsd === null ? null : Number(budget.monthlyUsd) },
    member: member === null ? null : { spent: member, limit: Number(budget.memberMonthlyUsd) },
  };
}

async function teamSpend(teamId: string, start: Date) {
  const [row] = await db().$queryRaw<
    Array<{ spent: Prisma.Decimal | null }>
  >`SELECT sum(cost_usd) AS spent FROM model_usage_days WHERE team_id = ${teamId} AND day >= ${start}`;
  return Number(row?.spent ?? 0);
}

async function memberSpend(teamId: string, userId: string, start: Date) {
  const [row] = await db().$queryRaw<Array<{ spent: Prisma.Decimal | null }>>`
    SELECT sum(cost_usd) AS spent FROM model_usage_days WHERE team_id = ${teamId} AND user_id = ${userId} AND day >= ${start}`;
  return Number(row?.spent ?? 0);
}

function levelOf(spent: number, limit: number | null): "warning" | "reached" | null {
  if (limit === null) return null;
  if (spent >= limit) return "reached";
  // In whole micro-dollars, as the database sums them: 80 % of 1.5 is 1.2, not 1.2000000000000002.
  return Math.round(spent * 1e6) >= Math.round(limit * WARNING_SHARE * 1e6) ? "warning" : null;
}

function alertMessage(level: "warning" | "reached", whose: string, spent: number, limit: number) {
  return level === "reached"
    ? `Budget of ${whose} reached: ${formatUsd(spent)} of ${formatUsd(limit)} this month. Model calls are refused until next month or a higher budget.`
    : `${whose} has used ${Math.floor((spent / limit) * 100)}% of its budget: ${formatUsd(spent)} of ${formatUsd(limit)} this month.`;
}

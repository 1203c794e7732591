import { withRoute } from "@/lib/api/with-route";
import { getBudget, setBudget } from "@/lib/usage/budgets";
import { budgetBody } from "./schema";

export const GET = withRoute({ team: "configureTeam" }, async ({ team }) => getBudget({ teamId: team.id }));

export const PUT = withRoute({ team: "configureTeam", body: budgetBody }, async ({ team, user, body }) =>
  setBudget({ teamId: team.id, actorId: user.id, monthlyUsd: body.monthlyUsd, memberMonthlyUsd: body.memberMonthlyUsd ?? null }),
);

import { withRoute } from "@/lib/api/with-route";
import { listTeamShares } from "@/lib/shares/shares";
import { listTeamSharesQuery } from "./schema";

export const GET = withRoute({ team: "read", query: listTeamSharesQuery }, async ({ team, query }) => listTeamShares({ teamId: team.id, ...query }));

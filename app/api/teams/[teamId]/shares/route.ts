import { withRoute } from "@/lib/api/with-route";
import { listTeamShares } from "@/lib/shares/shares";

export const GET = withRoute({ team: "read" }, async ({ team }) => listTeamShares({ teamId: team.id }));

import { withRoute } from "@/lib/api/with-route";
import { listCredentials } from "@/lib/gateway/credentials";

export const GET = withRoute({ team: "configureTeam" }, async ({ team }) => listCredentials({ teamId: team.id }));

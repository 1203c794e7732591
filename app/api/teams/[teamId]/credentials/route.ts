import { withRoute } from "@/lib/api/with-route";
import { listCredentials } from "@/lib/gateway/credentials";
import { listCredentialsQuery } from "./schema";

export const GET = withRoute({ team: "configureTeam", query: listCredentialsQuery }, async ({ team, query }) => listCredentials({ teamId: team.id, ...query }));

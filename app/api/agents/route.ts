import { withRoute } from "@/lib/api/with-route";
import { agentsForUser } from "@/lib/sessions/agents";
import { agentsQuery } from "./schema";

// ?teamId= says which agents are ready for that team (its keys); without it, for the instance's keys.
export const GET = withRoute({ query: agentsQuery }, async ({ user, query }) => ({ items: await agentsForUser({ userId: user.id, teamId: query.teamId }) }));

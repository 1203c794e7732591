import { withRoute } from "@/lib/api/with-route";
import { getPolicy, setPolicy } from "@/lib/policies/policies";
import { policyBody } from "./schema";

export const GET = withRoute({ team: "configureTeam" }, async ({ team }) => getPolicy({ teamId: team.id }));

export const PUT = withRoute({ team: "configureTeam", body: policyBody }, async ({ team, user, body }) =>
  setPolicy({ teamId: team.id, actorId: user.id, rules: body.rules }),
);

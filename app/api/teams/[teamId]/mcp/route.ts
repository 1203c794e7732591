import { withRoute } from "@/lib/api/with-route";
import { setTeamMcp, teamMcp } from "@/lib/sandboxes/team-config";
import { putMcpBody } from "./schema";

export const GET = withRoute({ team: "configureTeam" }, async ({ team }) => teamMcp({ teamId: team.id }));

export const PUT = withRoute({ team: "configureTeam", body: putMcpBody }, async ({ team, user, body }) =>
  setTeamMcp({ teamId: team.id, actorId: user.id, servers: body.servers }),
);

import { withRoute } from "@/lib/api/with-route";
import { ifMatchHeaders, versionedJson } from "@/lib/api/versions";
import { setTeamMcp, teamMcp } from "@/lib/sandboxes/team-config";
import { putMcpBody } from "./schema";

export const GET = withRoute({ team: "configureTeam" }, async ({ team }) => versionedJson(await teamMcp({ teamId: team.id })));

export const PUT = withRoute({ team: "configureTeam", headers: ifMatchHeaders, body: putMcpBody }, async ({ team, user, headers, body }) =>
  versionedJson(await setTeamMcp({ teamId: team.id, actorId: user.id, servers: body.servers, ifMatch: headers["if-match"] })),
);

import { withRoute } from "@/lib/api/with-route";
import { deleteTeam } from "@/lib/teams/delete-team";
import { deleteTeamBody } from "./schema";

export const DELETE = withRoute({ team: "deleteTeam", body: deleteTeamBody }, async ({ team, user, body }) => {
  await deleteTeam({ teamId: team.id, actorId: user.id, confirmName: body.name });
  return new Response(null, { status: 204 });
});

import { withRoute } from "@/lib/api/with-route";
import { deleteTeam } from "@/lib/teams/delete-team";

export const DELETE = withRoute({ team: "deleteTeam" }, async ({ team, user }) => {
  await deleteTeam({ teamId: team.id, actorId: user.id });
  return new Response(null, { status: 204 });
});

import { pathParams } from "@/lib/api/params";
import { withRoute } from "@/lib/api/with-route";
import { revokeInvitation } from "@/lib/teams/invitations";

export const DELETE = withRoute({ team: "manageMembers", params: pathParams("teamId", "invitationId") }, async ({ user, team, params }) => {
  await revokeInvitation({ teamId: team.id, actorId: user.id, invitationId: params.invitationId });
  return new Response(null, { status: 204 });
});

import { withRoute } from "@/lib/api/with-route";
import { revokeInvitation } from "@/lib/teams/invitations";

export const DELETE = withRoute<{ teamId: string; invitationId: string }>({}, async ({ user, params }) => {
  await revokeInvitation({ teamId: params.teamId, actorId: user.id, invitationId: params.invitationId });
  return new Response(null, { status: 204 });
});

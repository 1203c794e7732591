import { withRoute } from "@/lib/api/with-route";
import { answerMyInvitation } from "@/lib/teams/invitations";

export const POST = withRoute<{ invitationId: string }>({}, async ({ user, params }) =>
  answerMyInvitation({ userId: user.id, email: user.email, invitationId: params.invitationId, accept: true }),
);

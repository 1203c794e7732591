import { pathParams } from "@/lib/api/params";
import { withRoute } from "@/lib/api/with-route";
import { answerMyInvitation } from "@/lib/teams/invitations";

export const POST = withRoute({ params: pathParams("invitationId") }, async ({ user, params }) =>
  answerMyInvitation({ userId: user.id, email: user.email, invitationId: params.invitationId, accept: false }),
);

import { pathParams } from "@/lib/api/params";
import { withPublicRoute } from "@/lib/api/with-route";
import { acceptInvitationAsNewUser } from "@/lib/teams/invitations";
import { acceptInvitationBody } from "./schema";

// No sign-in: the one-time link is the credential.
export const POST = withPublicRoute({ params: pathParams("token"), body: acceptInvitationBody }, async ({ params, body }) =>
  Response.json(await acceptInvitationAsNewUser({ token: params.token, ...body }), { status: 201 }),
);

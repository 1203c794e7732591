import { withRoute } from "@/lib/api/with-route";
import { publicOrigin } from "@/lib/http/public-origin";
import { createInvitation, listTeamInvitations } from "@/lib/teams/invitations";
import { createInvitationBody } from "./schema";

type Params = { teamId: string };

export const GET = withRoute<Params>({}, async ({ user, params }) => listTeamInvitations({ teamId: params.teamId, userId: user.id }));

// The link is in this answer only: no cache may keep it.
export const POST = withRoute<Params, typeof createInvitationBody>({ body: createInvitationBody }, async ({ request, user, params, body }) =>
  Response.json(await createInvitation({ teamId: params.teamId, actorId: user.id, ...body, origin: publicOrigin(request) }), { status: 201, headers: { "cache-control": "no-store" } }),
);

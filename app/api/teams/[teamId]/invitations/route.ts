import { withRoute } from "@/lib/api/with-route";
import { publicOrigin } from "@/lib/http/public-origin";
import { createInvitation, listTeamInvitations } from "@/lib/teams/invitations";
import { createInvitationBody, listInvitationsQuery } from "./schema";

export const GET = withRoute({ team: "read", query: listInvitationsQuery }, async ({ team, query }) => listTeamInvitations({ teamId: team.id, ...query }));

// The link is in this answer only: no cache may keep it.
export const POST = withRoute({ team: "manageMembers", body: createInvitationBody }, async ({ request, user, team, role, body }) =>
  Response.json(await createInvitation({ teamId: team.id, actorId: user.id, actorRole: role, ...body, origin: publicOrigin(request) }), {
    status: 201,
    headers: { "cache-control": "no-store" },
  }),
);

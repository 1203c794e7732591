import { pathParams } from "@/lib/api/params";
import { withRoute } from "@/lib/api/with-route";
import { removeMember, updateMemberRole } from "@/lib/teams/members";
import { updateMemberBody } from "./schema";

// Any member may reach these (anyone may leave); what each role may change is checked by
// lib/teams/members.ts under the team's lock, against the role as of that moment.
const params = pathParams("teamId", "userId");

export const PATCH = withRoute({ team: "read", params, body: updateMemberBody }, async ({ user, team, params, body }) =>
  updateMemberRole({ teamId: team.id, actorId: user.id, userId: params.userId, role: body.role }),
);

export const DELETE = withRoute({ team: "read", params }, async ({ user, team, params }) => {
  await removeMember({ teamId: team.id, actorId: user.id, userId: params.userId });
  return new Response(null, { status: 204 });
});

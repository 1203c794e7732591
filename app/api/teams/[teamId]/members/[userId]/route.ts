import { withRoute } from "@/lib/api/with-route";
import { removeMember, updateMemberRole } from "@/lib/teams/members";
import { updateMemberBody } from "./schema";

type Params = { teamId: string; userId: string };

export const PATCH = withRoute<Params, typeof updateMemberBody>({ body: updateMemberBody }, async ({ user, params, body }) =>
  updateMemberRole({ teamId: params.teamId, actorId: user.id, userId: params.userId, role: body.role }),
);

export const DELETE = withRoute<Params>({}, async ({ user, params }) => {
  await removeMember({ teamId: params.teamId, actorId: user.id, userId: params.userId });
  return new Response(null, { status: 204 });
});

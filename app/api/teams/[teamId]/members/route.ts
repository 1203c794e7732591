import { withRoute } from "@/lib/api/with-route";
import { requireInstanceAdmin } from "@/lib/accounts/instance";
import { listMembers, provisionMember } from "@/lib/teams/members";
import { listMembersQuery, provisionMemberBody } from "./schema";

type Params = { teamId: string };

export const GET = withRoute<Params, undefined, typeof listMembersQuery>({ query: listMembersQuery }, async ({ user, params, query }) =>
  listMembers({ teamId: params.teamId, userId: user.id, ...query }),
);

export const POST = withRoute<Params, typeof provisionMemberBody>({ body: provisionMemberBody }, async ({ user, params, body }) => {
  requireInstanceAdmin(user);
  return Response.json(await provisionMember({ teamId: params.teamId, actorId: user.id, ...body }), { status: 201 });
});

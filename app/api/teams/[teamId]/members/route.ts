import { withRoute } from "@/lib/api/with-route";
import { addMember, listMembers } from "@/lib/teams/members";
import { addMemberBody, listMembersQuery } from "./schema";

type Params = { teamId: string };

export const GET = withRoute<Params, undefined, typeof listMembersQuery>({ query: listMembersQuery }, async ({ user, params, query }) =>
  listMembers({ teamId: params.teamId, userId: user.id, ...query }),
);

export const POST = withRoute<Params, typeof addMemberBody>({ body: addMemberBody }, async ({ user, params, body }) =>
  Response.json(await addMember({ teamId: params.teamId, actorId: user.id, ...body }), { status: 201 }),
);

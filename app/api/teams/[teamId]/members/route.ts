import { pathParams } from "@/lib/api/params";
import { withRoute } from "@/lib/api/with-route";
import { listMembers, provisionMember } from "@/lib/teams/members";
import { listMembersQuery, provisionMemberBody } from "./schema";

export const GET = withRoute({ team: "read", query: listMembersQuery }, async ({ team, query }) => listMembers({ teamId: team.id, ...query }));

// Instance admins provision accounts into any team, whether or not they are in it.
export const POST = withRoute({ instanceAdmin: true, params: pathParams("teamId"), body: provisionMemberBody }, async ({ user, params, body }) =>
  Response.json(await provisionMember({ teamId: params.teamId, actorId: user.id, ...body }), { status: 201 }),
);

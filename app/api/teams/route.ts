import { withRoute } from "@/lib/api/with-route";
import { assertMayCreateTeam } from "@/lib/accounts/instance";
import { createTeam } from "@/lib/teams/teams";
import { createTeamBody } from "./schema";

export const POST = withRoute({ body: createTeamBody }, async ({ user, body }) => {
  await assertMayCreateTeam(user);
  return Response.json(await createTeam({ userId: user.id, name: body.name }), { status: 201 });
});

import { withRoute } from "@/lib/api/with-route";
import { removeRepository } from "@/lib/sandboxes/repository";
import { repositoryParams } from "../schema";

export const DELETE = withRoute({ team: "configureTeam", params: repositoryParams }, async ({ user, team, params }) => {
  await removeRepository({ teamId: team.id, actorId: user.id, repositoryId: params.repoId });
  return new Response(null, { status: 204 });
});

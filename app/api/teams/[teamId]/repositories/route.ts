import { withRoute } from "@/lib/api/with-route";
import { addRepository, listRepositories } from "@/lib/sandboxes/repository";
import { addRepositoryBody } from "./schema";

// Members pick a repository for a new session; admins manage them. The token is never returned.
export const GET = withRoute({ team: "work" }, async ({ team }) => listRepositories({ teamId: team.id }));

export const POST = withRoute({ team: "configureTeam", body: addRepositoryBody }, async ({ user, team, body }) =>
  Response.json(await addRepository({ teamId: team.id, actorId: user.id, ...body }), { status: 201 }),
);

import { withRoute } from "@/lib/api/with-route";
import { pageQuery } from "@/lib/db/keyset";
import { addRepository, listRepositories } from "@/lib/sandboxes/repository";
import { addRepositoryBody } from "./schema";

// Members pick a repository for a new session; admins manage them. The token is never returned.
export const GET = withRoute({ team: "work", query: pageQuery }, async ({ team, query }) => listRepositories({ teamId: team.id, ...query }));

export const POST = withRoute({ team: "configureTeam", body: addRepositoryBody }, async ({ user, team, body }) =>
  Response.json(await addRepository({ teamId: team.id, actorId: user.id, ...body }), { status: 201 }),
);

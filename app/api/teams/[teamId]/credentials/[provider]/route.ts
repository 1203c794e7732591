import { withRoute } from "@/lib/api/with-route";
import { deleteCredential, setCredential } from "@/lib/gateway/credentials";
import { params, setCredentialBody } from "./schema";

export const PUT = withRoute({ team: "configureTeam", params, body: setCredentialBody }, async ({ user, team, params, body }) =>
  setCredential({ teamId: team.id, actorId: user.id, provider: params.provider, apiKey: body.apiKey, baseUrl: body.baseUrl }),
);

export const DELETE = withRoute({ team: "configureTeam", params }, async ({ user, team, params }) => {
  await deleteCredential({ teamId: team.id, actorId: user.id, provider: params.provider });
  return new Response(null, { status: 204 });
});

import { withRoute } from "@/lib/api/with-route";
import { deleteWebhook } from "@/lib/webhooks/webhooks";
import { webhookParams } from "../schema";

export const DELETE = withRoute({ team: "configureTeam", params: webhookParams }, async ({ team, user, params }) => {
  await deleteWebhook({ teamId: team.id, actorId: user.id, webhookId: params.webhookId });
  return new Response(null, { status: 204 });
});

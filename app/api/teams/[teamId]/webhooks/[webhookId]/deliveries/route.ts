import { withRoute } from "@/lib/api/with-route";
import { listDeliveries } from "@/lib/webhooks/webhooks";
import { deliveriesQuery, webhookParams } from "../../schema";

export const GET = withRoute({ team: "configureTeam", params: webhookParams, query: deliveriesQuery }, async ({ team, params, query }) =>
  listDeliveries({ teamId: team.id, webhookId: params.webhookId, ...query }),
);

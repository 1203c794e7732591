import { withRoute } from "@/lib/api/with-route";
import { sendTestDelivery } from "@/lib/webhooks/webhooks";
import { webhookParams } from "../../schema";

export const POST = withRoute({ team: "configureTeam", params: webhookParams }, async ({ team, params }) =>
  sendTestDelivery({ teamId: team.id, webhookId: params.webhookId }),
);

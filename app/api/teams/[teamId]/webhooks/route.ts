import { withRoute } from "@/lib/api/with-route";
import { createWebhook, listWebhooks } from "@/lib/webhooks/webhooks";
import { createWebhookBody, listWebhooksQuery } from "./schema";

export const GET = withRoute({ team: "configureTeam", query: listWebhooksQuery }, async ({ team, query }) => listWebhooks({ teamId: team.id, ...query }));

// The secret is in this answer only: no cache may keep it.
export const POST = withRoute({ team: "configureTeam", body: createWebhookBody }, async ({ team, user, body }) =>
  Response.json(await createWebhook({ teamId: team.id, actorId: user.id, ...body }), { status: 201, headers: { "cache-control": "no-store" } }),
);

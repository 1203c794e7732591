import { withRoute } from "@/lib/api/with-route";
import { createWebhook, listWebhooks } from "@/lib/webhooks/webhooks";
import { createWebhookBody } from "./schema";

export const GET = withRoute({ team: "configureTeam" }, async ({ team }) => listWebhooks({ teamId: team.id }));

// The secret is in this answer only: no cache may keep it.
export const POST = withRoute({ team: "configureTeam", body: createWebhookBody }, async ({ team, user, body }) =>
  Response.json(await createWebhook({ teamId: team.id, actorId: user.id, ...body }), { status: 201, headers: { "cache-control": "no-store" } }),
);

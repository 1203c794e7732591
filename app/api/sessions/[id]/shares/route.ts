import { withRoute } from "@/lib/api/with-route";
import { publicOrigin } from "@/lib/http/public-origin";
import { createShare, listSessionShares } from "@/lib/shares/shares";
import { createShareBody, listSharesQuery } from "./schema";

export const GET = withRoute({ session: "read", query: listSharesQuery }, async ({ session, query }) => listSessionShares({ sessionId: session.id, ...query }));

// The link is in this answer only: no cache may keep it.
export const POST = withRoute({ session: "work", body: createShareBody }, async ({ request, session, user, body }) =>
  Response.json(await createShare({ session, actorId: user.id, expiresInDays: body.expiresInDays, origin: publicOrigin(request) }), {
    status: 201,
    headers: { "cache-control": "no-store" },
  }),
);

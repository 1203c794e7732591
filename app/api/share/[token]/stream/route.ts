import { withPublicRoute } from "@/lib/api/with-route";
import { notFound } from "@/lib/errors";
import { shareEventStream } from "@/lib/shares/share-stream";
import { shareByToken, sharedRedactor } from "@/lib/shares/shares";
import { shareParams, shareStreamHeaders, shareStreamQuery } from "../schema";

export const dynamic = "force-dynamic";

export const GET = withPublicRoute(
  { params: shareParams, query: shareStreamQuery, headers: shareStreamHeaders },
  async ({ request, params, query, headers }) => {
    const share = await shareByToken(params.token);
    if (!share) throw notFound("Share link");
    const after = Math.max(headers["last-event-id"] ?? 0, query.after ?? 0);
    const body = shareEventStream({
      shareId: share.id,
      sessionId: share.sessionId,
      teamId: share.teamId,
      after,
      redact: await sharedRedactor(share.teamId),
      signal: request.signal,
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "referrer-policy": "no-referrer",
      },
    });
  },
);

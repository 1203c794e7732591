import { withRoute } from "@/lib/api/with-route";
import { eventStream } from "@/lib/events/sse";
import { holdStreamSlot } from "@/lib/events/stream-slots";
import { streamHeaders, streamQuery } from "./schema";

export const dynamic = "force-dynamic";

export const GET = withRoute({ session: "read", query: streamQuery, headers: streamHeaders }, async ({ request, user, session, query, headers }) => {
  // An automatic reconnect keeps the page's `after` in the URL and adds the newer Last-Event-ID.
  const after = Math.max(headers["last-event-id"] ?? 0, query.after ?? 0);
  const body = eventStream({ sessionId: session.id, userId: user.id, tokenId: user.tokenId, teamId: session.teamId, after, signal: request.signal });
  return new Response(await holdStreamSlot(user.id, body), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
});

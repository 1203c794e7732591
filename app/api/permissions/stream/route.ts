import { withRoute } from "@/lib/api/with-route";
import { attentionStream } from "@/lib/events/attention-stream";
import { holdStreamSlot } from "@/lib/events/stream-slots";
import { attentionHeaders, attentionQuery } from "./schema";

export const dynamic = "force-dynamic";

// The "needs you" feed: a snapshot of my pending permissions whenever a session of my teams changes.
export const GET = withRoute({ query: attentionQuery, headers: attentionHeaders }, async ({ request, user, query, headers }) => {
  // An automatic reconnect keeps the page's `since` in the URL and adds the newer Last-Event-ID.
  const since = headers["last-event-id"] ?? query.since ?? null;
  return new Response(await holdStreamSlot(user.id, attentionStream({ userId: user.id, tokenId: user.tokenId, since, signal: request.signal })), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
});

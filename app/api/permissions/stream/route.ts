import { withRoute } from "@/lib/api/with-route";
import { attentionStream } from "@/lib/events/attention-stream";
import { holdStreamSlot } from "@/lib/events/stream-slots";

export const dynamic = "force-dynamic";

// The "needs you" feed: a snapshot of my pending permissions whenever a session of my teams changes.
export const GET = withRoute(
  {},
  async ({ request, user }) =>
    new Response(await holdStreamSlot(user.id, attentionStream({ userId: user.id, tokenId: user.tokenId, signal: request.signal })), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      },
    }),
);

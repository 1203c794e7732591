import { withRoute } from "@/lib/api/with-route";
import { zodFieldErrors } from "@/lib/api/problem";
import { unprocessable } from "@/lib/errors";
import { eventStream } from "@/lib/events/sse";
import { holdStreamSlot } from "@/lib/events/stream-slots";
import { requireSession } from "@/lib/sessions/queries";
import { lastEventIdHeader, streamQuery } from "./schema";

export const dynamic = "force-dynamic";

export const GET = withRoute<{ id: string }, undefined, typeof streamQuery>({ query: streamQuery }, async ({ request, user, params, query }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id });
  const header = request.headers.get("last-event-id");
  let lastEventId = 0;
  if (header !== null && header.trim() !== "") {
    const parsed = lastEventIdHeader.safeParse(header.trim());
    if (!parsed.success) throw unprocessable("Last-Event-ID must be an event index.", zodFieldErrors(parsed.error).map((error) => ({ ...error, path: "Last-Event-ID" })));
    lastEventId = parsed.data;
  }
  // An automatic reconnect keeps the page's `after` in the URL and adds the newer Last-Event-ID.
  const after = Math.max(lastEventId, query.after ?? 0);
  const body = eventStream({ sessionId: session.id, userId: user.id, tokenId: user.tokenId, teamId: session.teamId, after, signal: request.signal });
  return new Response(await holdStreamSlot(user.id, body), {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" },
  });
});

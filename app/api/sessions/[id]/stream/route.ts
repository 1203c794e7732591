import { withRoute } from "@/lib/api/with-route";
import { unprocessable } from "@/lib/errors";
import { eventStream } from "@/lib/events/sse";
import { requireSession } from "@/lib/sessions/queries";

export const dynamic = "force-dynamic";

export const GET = withRoute<{ id: string }>({}, async ({ request, user, params }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id });
  const raw = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("after") ?? "0";
  const after = Number(raw);
  if (!Number.isInteger(after) || after < 0) throw unprocessable("Last-Event-ID / after must be a non-negative integer.", [{ path: "after", message: "must be a non-negative integer" }]);
  const body = eventStream({ sessionId: session.id, after, signal: request.signal });
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-accel-buffering": "no" },
  });
});

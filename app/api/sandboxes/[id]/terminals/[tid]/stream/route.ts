import { withRoute } from "@/lib/api/with-route";
import { holdStreamSlot } from "@/lib/events/stream-slots";
import { terminalStream } from "@/lib/sandboxes/terminal-stream";
import { terminalParams, terminalStreamHeaders } from "../../schema";

export const dynamic = "force-dynamic";

// Viewers watch; typing needs member (the input route).
export const GET = withRoute(
  { sandbox: "read", params: terminalParams, headers: terminalStreamHeaders },
  async ({ request, sandbox, user, params, headers }) => {
    const body = terminalStream({ sandbox, terminalId: params.tid, after: headers["last-event-id"] ?? 0, signal: request.signal });
    return new Response(await holdStreamSlot(user.id, body), {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      },
    });
  },
);

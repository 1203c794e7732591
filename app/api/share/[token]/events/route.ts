import { withPublicRoute } from "@/lib/api/with-route";
import { notFound } from "@/lib/errors";
import { listEventsAfter } from "@/lib/events/queries";
import { shareByToken, sharedRedactor } from "@/lib/shares/shares";
import { shareEventsQuery, shareParams } from "../schema";

// The shared session's history, redacted; no sign-in: the link is the key.
export const GET = withPublicRoute({ params: shareParams, query: shareEventsQuery }, async ({ params, query }) => {
  const share = await shareByToken(params.token);
  if (!share) throw notFound("Share link");
  const redact = await sharedRedactor(share.teamId);
  const events = await listEventsAfter({ sessionId: share.sessionId, after: query.after, limit: query.limit + 1 });
  const page = events.slice(0, query.limit);
  return Response.json(
    { items: page.map((event) => ({ ...event, payload: redact(event.payload) })), nextCursor: events.length > query.limit ? String(page.at(-1)!.index) : null },
    { headers: { "cache-control": "no-store", "referrer-policy": "no-referrer" } },
  );
});

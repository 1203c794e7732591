import { withRoute } from "@/lib/api/with-route";
import { listEventsPage } from "@/lib/events/queries";
import { requireSession } from "@/lib/sessions/queries";
import { eventsQuery } from "./schema";

export const GET = withRoute<{ id: string }, undefined, typeof eventsQuery>({ query: eventsQuery }, async ({ user, params, query }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id });
  return listEventsPage({ sessionId: session.id, after: query.after, cursor: query.cursor, limit: query.limit });
});

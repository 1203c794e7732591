import { withRoute } from "@/lib/api/with-route";
import { listEventsPage } from "@/lib/events/queries";
import { eventsQuery } from "./schema";

export const GET = withRoute({ session: "read", query: eventsQuery }, async ({ session, query }) =>
  listEventsPage({ sessionId: session.id, after: query.after, cursor: query.cursor, limit: query.limit }),
);

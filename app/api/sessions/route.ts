import { withRoute } from "@/lib/api/with-route";
import { createSession } from "@/lib/cluster/commands";
import { listSessions } from "@/lib/sessions/list";
import { pendingPermissionsBySession } from "@/lib/sessions/queries";
import { sessionDetailJson, sessionJson } from "@/lib/sessions/serialize";
import { createSessionBody, listSessionsQuery } from "./schema";

export const GET = withRoute({ query: listSessionsQuery }, async ({ user, query }) => {
  const page = await listSessions({ userId: user.id, ...query });
  const pending = await pendingPermissionsBySession(page.items.map((session) => session.id));
  return { items: page.items.map((session) => sessionJson(session, pending.get(session.id))), nextCursor: page.nextCursor };
});

// A member of the body's team creates sessions in it.
export const POST = withRoute({ team: "work", body: createSessionBody }, async ({ user, body }) => {
  const session = await createSession({ userId: user.id, input: body });
  return Response.json(sessionDetailJson(session), { status: 201 });
});

import { withRoute } from "@/lib/api/with-route";
import { destroySession, patchSession } from "@/lib/cluster/commands";
import { pendingPermissions } from "@/lib/sessions/queries";
import { sessionDetailJson } from "@/lib/sessions/serialize";
import { sessionUsage } from "@/lib/usage/usage";
import { patchSessionBody } from "./schema";

export const GET = withRoute({ session: "read" }, async ({ session }) =>
  sessionDetailJson(session, await pendingPermissions(session.id), await sessionUsage(session.id)),
);

export const PATCH = withRoute({ session: "work", body: patchSessionBody }, async ({ user, session, body }) => {
  const updated = await patchSession({ session, userId: user.id, patch: body });
  return sessionDetailJson(updated, await pendingPermissions(session.id));
});

// A member destroys the sessions they created; an admin any session of the team.
export const DELETE = withRoute({ session: "destroySession" }, async ({ user, session }) => {
  await destroySession({ session, userId: user.id });
  return new Response(null, { status: 204 });
});

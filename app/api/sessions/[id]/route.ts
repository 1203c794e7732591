import { withRoute } from "@/lib/api/with-route";
import { destroySession, patchSession } from "@/lib/cluster/commands";
import { readSessionDetail } from "@/lib/sessions/detail";
import { patchSessionBody } from "./schema";

export const GET = withRoute({ session: "read" }, async ({ session }) => readSessionDetail(session));

export const PATCH = withRoute({ session: "work", body: patchSessionBody }, async ({ user, session, body }) => {
  const updated = await patchSession({ session, userId: user.id, patch: body });
  return readSessionDetail(updated);
});

// A member destroys the sessions they created; an admin any session of the team.
export const DELETE = withRoute({ session: "destroySession" }, async ({ user, session }) => {
  await destroySession({ session, userId: user.id });
  return new Response(null, { status: 204 });
});

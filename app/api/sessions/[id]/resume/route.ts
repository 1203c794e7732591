import { withRoute } from "@/lib/api/with-route";
import { resumeSession } from "@/lib/cluster/commands";
import { pendingPermissions } from "@/lib/sessions/queries";
import { sessionDetailJson } from "@/lib/sessions/serialize";

export const POST = withRoute({ session: "work" }, async ({ user, session }) => {
  const updated = await resumeSession({ session, userId: user.id });
  return sessionDetailJson(updated, await pendingPermissions(session.id));
});

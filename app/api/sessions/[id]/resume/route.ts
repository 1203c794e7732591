import { withRoute } from "@/lib/api/with-route";
import { pendingPermissions, requireSession } from "@/lib/sessions/queries";
import { resumeSession } from "@/lib/sessions/commands";
import { sessionJson } from "@/lib/sessions/serialize";

export const POST = withRoute<{ id: string }>({}, async ({ user, params }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  const updated = await resumeSession({ session, userId: user.id });
  return sessionJson(updated, await pendingPermissions(session.id), { detail: true });
});

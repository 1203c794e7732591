import { withRoute } from "@/lib/api/with-route";
import { eventWriter } from "@/lib/events/writer";
import { pendingPermissions, requireSession } from "@/lib/sessions/queries";
import { restoreSession } from "@/lib/sessions/runtime-link";
import { sessionJson } from "@/lib/sessions/serialize";
import { assertWritable } from "@/lib/sessions/turns";

export const POST = withRoute<{ id: string }>({}, async ({ user, params }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  assertWritable(session);
  if (session.status !== "running") await restoreSession(session, user.id);
  await eventWriter().flushed();
  const { session: updated } = await requireSession({ sessionId: params.id, userId: user.id });
  return sessionJson(updated, await pendingPermissions(session.id), { detail: true });
});

import { withRoute } from "@/lib/api/with-route";
import { changedFilesOfSession } from "@/lib/sandboxes/changed-files";
import { requireSession } from "@/lib/sessions/queries";

// The workspace files this session's tool calls changed, for the Files panel's marks.
export const GET = withRoute<{ id: string }>({}, async ({ user, params }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id });
  return changedFilesOfSession(session);
});

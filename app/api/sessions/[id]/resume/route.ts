import { withRoute } from "@/lib/api/with-route";
import { resumeSession } from "@/lib/cluster/commands";
import { readSessionDetail } from "@/lib/sessions/detail";

export const POST = withRoute({ session: "work" }, async ({ user, session }) => {
  const updated = await resumeSession({ session, userId: user.id });
  return readSessionDetail(updated);
});

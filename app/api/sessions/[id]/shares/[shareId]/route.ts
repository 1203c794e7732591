import { withRoute } from "@/lib/api/with-route";
import { revokeShare } from "@/lib/shares/shares";
import { shareParams } from "../schema";

export const DELETE = withRoute({ session: "work", params: shareParams }, async ({ session, user, params }) => {
  await revokeShare({ session, actorId: user.id, shareId: params.shareId });
  return new Response(null, { status: 204 });
});

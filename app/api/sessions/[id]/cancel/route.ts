import { withRoute } from "@/lib/api/with-route";
import { cancelTurn } from "@/lib/cluster/commands";

export const POST = withRoute({ session: "work" }, async ({ user, session }) => {
  await cancelTurn({ session, userId: user.id });
  return Response.json({ status: "cancelling" }, { status: 202 });
});

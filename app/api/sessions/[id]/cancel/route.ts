import { withRoute } from "@/lib/api/with-route";
import { requireSession } from "@/lib/sessions/queries";
import { cancelTurn } from "@/lib/sessions/commands";

export const POST = withRoute<{ id: string }>({}, async ({ user, params }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  await cancelTurn({ session, userId: user.id });
  return Response.json({ status: "cancelling" }, { status: 202 });
});

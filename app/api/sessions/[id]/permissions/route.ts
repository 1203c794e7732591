import { withRoute } from "@/lib/api/with-route";
import { pendingPermissions, requireSession } from "@/lib/sessions/queries";
import { permissionJson } from "@/lib/sessions/serialize";

export const GET = withRoute<{ id: string }>({}, async ({ user, params }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id });
  return { items: (await pendingPermissions(session.id)).map(permissionJson) };
});

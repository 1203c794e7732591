import { withRoute } from "@/lib/api/with-route";
import { replyToPermission } from "@/lib/sessions/commands";
import { requireSession } from "@/lib/sessions/queries";
import { permissionReplyBody } from "./schema";

export const POST = withRoute<{ id: string; permissionId: string }, typeof permissionReplyBody>({ body: permissionReplyBody }, async ({ user, params, body }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  return replyToPermission({ session, userId: user.id, permissionId: params.permissionId, reply: body.reply });
});

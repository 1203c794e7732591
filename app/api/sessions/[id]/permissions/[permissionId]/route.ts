import { pathParams } from "@/lib/api/params";
import { withRoute } from "@/lib/api/with-route";
import { replyToPermission } from "@/lib/cluster/commands";
import { permissionReplyBody } from "./schema";

export const POST = withRoute(
  { session: "work", params: pathParams("id", "permissionId"), body: permissionReplyBody },
  async ({ user, session, params, body }) => replyToPermission({ session, userId: user.id, permissionId: params.permissionId, reply: body.reply }),
);

import { withRoute } from "@/lib/api/with-route";
import { changePassword } from "@/lib/accounts/account";
import { changePasswordBody } from "./schema";

export const PUT = withRoute({ body: changePasswordBody }, async ({ user, body }) => {
  await changePassword({ userId: user.id, ...body, keepSignInSessionId: user.signInSessionId });
  return new Response(null, { status: 204 });
});

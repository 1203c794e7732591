import { withRoute } from "@/lib/api/with-route";
import { signOutEverywhere } from "@/lib/accounts/account";

export const POST = withRoute({}, async ({ user }) => {
  await signOutEverywhere({ userId: user.id, keepSignInSessionId: user.signInSessionId });
  return new Response(null, { status: 204 });
});

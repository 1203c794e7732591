import { withRoute } from "@/lib/api/with-route";
import { revokeToken } from "@/lib/tokens";

export const DELETE = withRoute<{ tokenId: string }>({}, async ({ user, params }) => {
  await revokeToken({ userId: user.id, tokenId: params.tokenId });
  return new Response(null, { status: 204 });
});

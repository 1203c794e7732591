import { pathParams } from "@/lib/api/params";
import { withRoute } from "@/lib/api/with-route";
import { revokeToken } from "@/lib/tokens";

export const DELETE = withRoute({ params: pathParams("tokenId") }, async ({ user, params }) => {
  await revokeToken({ userId: user.id, tokenId: params.tokenId });
  return new Response(null, { status: 204 });
});

import { withRoute } from "@/lib/api/with-route";
import { requestAgentInstall } from "@/lib/agents/installer";
import { installParams } from "./schema";

// 202 while the install runs in the background (follow it on GET /api/admin/agents); 200 when the
// agent is installed already.
export const POST = withRoute({ instanceAdmin: true, params: installParams }, async ({ params, user }) => {
  const status = requestAgentInstall(params.agentId, { by: user.email });
  return Response.json(status, { status: status.state === "installed" ? 200 : 202 });
});

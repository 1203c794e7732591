import { withRoute } from "@/lib/api/with-route";
import { closeTerminal } from "@/lib/cluster/commands";
import { terminalParams } from "../schema";

export const DELETE = withRoute({ sandbox: "work", params: terminalParams }, async ({ sandbox, user, params }) => {
  await closeTerminal({ sandbox, terminalId: params.tid, userId: user.id });
  return new Response(null, { status: 204 });
});

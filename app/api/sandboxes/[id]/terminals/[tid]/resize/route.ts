import { withRoute } from "@/lib/api/with-route";
import { resizeTerminal } from "@/lib/cluster/commands";
import { terminalParams, terminalResizeBody } from "../../schema";

export const POST = withRoute({ sandbox: "work", params: terminalParams, body: terminalResizeBody }, async ({ sandbox, params, body }) => {
  await resizeTerminal({ sandbox, terminalId: params.tid, ...body });
  return new Response(null, { status: 204 });
});

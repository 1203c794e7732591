import { withRoute } from "@/lib/api/with-route";
import { sendTerminalInput } from "@/lib/cluster/commands";
import { terminalInputBody, terminalParams } from "../../schema";

// Keystrokes are not audited (who opened the terminal and for how long is).
export const POST = withRoute({ sandbox: "work", params: terminalParams, body: terminalInputBody, bodyTextAsIs: true }, async ({ sandbox, params, body }) => {
  await sendTerminalInput({ sandbox, terminalId: params.tid, data: body.data });
  return new Response(null, { status: 204 });
});

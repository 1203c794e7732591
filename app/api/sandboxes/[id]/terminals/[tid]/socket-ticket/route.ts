import { withRoute } from "@/lib/api/with-route";
import { issueTerminalTicket } from "@/lib/sandboxes/terminal-socket";
import { terminalParams } from "../../schema";

// A single-use ticket (30 s) for the terminal's WebSocket, …/socket?ticket=: viewers watch on it, members type too.
export const POST = withRoute({ sandbox: "read", params: terminalParams }, async ({ sandbox, user, params }) =>
  Response.json(await issueTerminalTicket({ sandboxId: sandbox.id, terminalId: params.tid, userId: user.id, tokenId: user.tokenId }), { status: 201 }),
);

import { withRoute } from "@/lib/api/with-route";
import { listTerminals } from "@/lib/sandboxes/terminal";
import { openTerminal } from "@/lib/cluster/commands";
import { openTerminalBody } from "./schema";

// Open terminals of the sandbox: a reloaded page reattaches to one, a viewer watches one.
export const GET = withRoute({ sandbox: "read" }, async ({ sandbox }) =>
  listTerminals({ sandboxId: sandbox.id, status: sandbox.status, teamId: sandbox.teamId }),
);

export const POST = withRoute({ sandbox: "work", body: openTerminalBody }, async ({ sandbox, user, body }) =>
  Response.json(await openTerminal({ sandbox, userId: user.id, ...body }), { status: 201 }),
);

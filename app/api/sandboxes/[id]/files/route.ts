import { withRoute } from "@/lib/api/with-route";
import { requireSandbox } from "@/lib/sandboxes/sandboxes";
import { listWorkspace } from "@/lib/sessions/commands";
import { filesQuery } from "../../schema";

export const GET = withRoute<{ id: string }, undefined, typeof filesQuery>({ query: filesQuery }, async ({ user, params, query }) =>
  listWorkspace(await requireSandbox({ sandboxId: params.id, userId: user.id }), query.path),
);

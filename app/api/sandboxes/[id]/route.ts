import { withRoute } from "@/lib/api/with-route";
import { sandboxJson } from "@/lib/sandboxes/sandboxes";
import { destroySandbox } from "@/lib/cluster/commands";

export const GET = withRoute({ sandbox: "read" }, async ({ sandbox }) => sandboxJson(sandbox));

export const DELETE = withRoute({ sandbox: "manageSandboxes" }, async ({ sandbox }) => {
  if (sandbox.status !== "destroyed") await destroySandbox(sandbox);
  return new Response(null, { status: 204 });
});

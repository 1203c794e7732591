import { withRoute } from "@/lib/api/with-route";
import { markSandboxDestroyed, sandboxJson } from "@/lib/sandboxes/sandboxes";

export const GET = withRoute({ sandbox: "viewer" }, async ({ sandbox }) => sandboxJson(sandbox));

export const DELETE = withRoute({ sandbox: "admin" }, async ({ sandbox }) => {
  if (sandbox.status !== "destroyed") await markSandboxDestroyed(sandbox.id);
  return new Response(null, { status: 204 });
});

import { withRoute } from "@/lib/api/with-route";
import { stopSandbox } from "@/lib/cluster/commands";

export const POST = withRoute({ sandbox: "manageSandboxes" }, async ({ sandbox }) => {
  await stopSandbox(sandbox);
  return new Response(null, { status: 202 });
});

import { withRoute } from "@/lib/api/with-route";
import { markSandboxDestroyed, requireSandbox, sandboxJson } from "@/lib/sandboxes/sandboxes";

type Params = { id: string };

export const GET = withRoute<Params>({}, async ({ user, params }) => sandboxJson(await requireSandbox({ sandboxId: params.id, userId: user.id })));

export const DELETE = withRoute<Params>({}, async ({ user, params }) => {
  const sandbox = await requireSandbox({ sandboxId: params.id, userId: user.id, role: "admin" });
  if (sandbox.status !== "destroyed") await markSandboxDestroyed(sandbox.id);
  return new Response(null, { status: 204 });
});

import { withRoute } from "@/lib/api/with-route";
import { requireSandbox, sandboxJson } from "@/lib/sandboxes/sandboxes";
import { destroySandbox } from "@/lib/sessions/commands";

type Params = { id: string };

export const GET = withRoute<Params>({}, async ({ user, params }) => sandboxJson(await requireSandbox({ sandboxId: params.id, userId: user.id })));

export const DELETE = withRoute<Params>({}, async ({ user, params }) => {
  const sandbox = await requireSandbox({ sandboxId: params.id, userId: user.id, role: "admin" });
  if (sandbox.status !== "destroyed") await destroySandbox(sandbox);
  return new Response(null, { status: 204 });
});

import { withRoute } from "@/lib/api/with-route";
import { requireSandbox, stopSandbox } from "@/lib/sandboxes/sandboxes";

export const POST = withRoute<{ id: string }>({}, async ({ user, params }) => {
  await stopSandbox(await requireSandbox({ sandboxId: params.id, userId: user.id, role: "admin" }));
  return new Response(null, { status: 202 });
});

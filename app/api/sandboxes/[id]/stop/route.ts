import { withRoute } from "@/lib/api/with-route";
import { requireSandbox } from "@/lib/sandboxes/sandboxes";
import { stopSandbox } from "@/lib/sessions/commands";

export const POST = withRoute<{ id: string }>({}, async ({ user, params }) => {
  await stopSandbox(await requireSandbox({ sandboxId: params.id, userId: user.id, role: "admin" }));
  return new Response(null, { status: 202 });
});

import { withRoute } from "@/lib/api/with-route";
import { requireInstanceAdmin } from "@/lib/accounts/instance";
import { sandboxRuntimes } from "@/lib/sandboxes/runtimes";
import { listInstances } from "@/lib/sessions/ownership";

export const GET = withRoute({}, async ({ user }) => {
  requireInstanceAdmin(user);
  return { ...sandboxRuntimes().overview(), instances: await listInstances() };
});

import { withRoute } from "@/lib/api/with-route";
import { requireInstanceAdmin } from "@/lib/accounts/instance";
import { sandboxRuntimes } from "@/lib/sandboxes/runtimes";

export const GET = withRoute({}, async ({ user }) => {
  requireInstanceAdmin(user);
  return sandboxRuntimes().overview();
});

import { withRoute } from "@/lib/api/with-route";
import { requireInstanceAdmin } from "@/lib/accounts/instance";
import { runtimeManager } from "@/lib/runtime/manager";

export const GET = withRoute({}, async ({ user }) => {
  requireInstanceAdmin(user);
  return { ...runtimeManager().info(), stream: runtimeManager().streamStats() };
});

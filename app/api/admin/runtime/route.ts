import { withRoute } from "@/lib/api/with-route";
import { forbidden } from "@/lib/errors";
import { sandboxRuntimes } from "@/lib/sandboxes/runtimes";
import { listTeamsOf, roleAtLeast } from "@/lib/teams/access";

export const GET = withRoute({}, async ({ user }) => {
  const teams = await listTeamsOf(user.id);
  if (!teams.some((team) => roleAtLeast(team.role, "admin"))) throw forbidden("Only team admins can see the runtime.");
  return sandboxRuntimes().overview();
});

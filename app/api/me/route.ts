import { withRoute } from "@/lib/api/with-route";
import { listTeamsOf } from "@/lib/teams/access";

export const GET = withRoute({}, async ({ user }) => ({
  user: { id: user.id, email: user.email, name: user.name },
  teams: await listTeamsOf(user.id),
}));

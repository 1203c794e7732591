import { withRoute } from "@/lib/api/with-route";
import { updateAccount } from "@/lib/accounts/account";
import { listTeamsOf } from "@/lib/teams/membership";
import { updateMeBody } from "./schema";

export const GET = withRoute({}, async ({ user }) => ({
  user: { id: user.id, email: user.email, name: user.name, isInstanceAdmin: user.isInstanceAdmin },
  teams: await listTeamsOf(user.id),
}));

/** The account's name and the team the session list follows (remembered per user). */
export const PATCH = withRoute({ body: updateMeBody }, async ({ user, body }) => ({ user: await updateAccount({ userId: user.id, ...body }) }));

import { withRoute } from "@/lib/api/with-route";
import { listUsers, requireInstanceAdmin } from "@/lib/accounts/instance";
import { listUsersQuery } from "./schema";

export const GET = withRoute({ query: listUsersQuery }, async ({ user, query }) => {
  requireInstanceAdmin(user);
  return listUsers(query);
});

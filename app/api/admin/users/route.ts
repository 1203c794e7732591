import { withRoute } from "@/lib/api/with-route";
import { listUsers } from "@/lib/accounts/instance";
import { listUsersQuery } from "./schema";

export const GET = withRoute({ instanceAdmin: true, query: listUsersQuery }, async ({ query }) => listUsers(query));

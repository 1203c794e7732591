import { withRoute } from "@/lib/api/with-route";
import { listSignIns } from "@/lib/accounts/account";
import { listSignInsQuery } from "./schema";

export const GET = withRoute({ query: listSignInsQuery }, async ({ user, query }) => listSignIns({ userId: user.id, ...query }));

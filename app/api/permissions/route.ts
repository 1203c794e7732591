import { withRoute } from "@/lib/api/with-route";
import { listPendingPermissions } from "@/lib/sessions/inbox";
import { listPermissionsQuery } from "./schema";

export const GET = withRoute({ query: listPermissionsQuery }, async ({ user, query }) => listPendingPermissions({ userId: user.id, ...query }));

import { withRoute } from "@/lib/api/with-route";
import { pendingPermissions } from "@/lib/sessions/queries";
import { permissionJson } from "@/lib/sessions/serialize";

export const GET = withRoute({ session: "read" }, async ({ session }) => ({ items: (await pendingPermissions(session.id)).map(permissionJson) }));

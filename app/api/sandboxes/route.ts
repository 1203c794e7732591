import { withRoute } from "@/lib/api/with-route";
import { listSandboxes } from "@/lib/sandboxes/sandboxes";
import { listSandboxesQuery } from "./schema";

export const GET = withRoute({ query: listSandboxesQuery }, async ({ user, query }) => listSandboxes({ userId: user.id, ...query }));

import { withRoute } from "@/lib/api/with-route";
import { sandboxPool } from "@/lib/sandboxes/pool";
import { listInstances } from "@/lib/cluster/lease";

export const GET = withRoute({ instanceAdmin: true }, async () => ({ ...sandboxPool().overview(), instances: await listInstances() }));

import { withRoute } from "@/lib/api/with-route";
import { sandboxRuntimes } from "@/lib/sandboxes/runtimes";
import { listInstances } from "@/lib/cluster/lease";

export const GET = withRoute({ instanceAdmin: true }, async () => ({ ...sandboxRuntimes().overview(), instances: await listInstances() }));

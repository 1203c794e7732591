import { withRoute } from "@/lib/api/with-route";
import { sandboxRuntimes } from "@/lib/sandboxes/runtimes";
import { listInstances } from "@/lib/sessions/ownership";

export const GET = withRoute({ instanceAdmin: true }, async () => ({ ...sandboxRuntimes().overview(), instances: await listInstances() }));

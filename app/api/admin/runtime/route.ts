import { withRoute } from "@/lib/api/with-route";
import { sandboxRuntimes } from "@/lib/sandboxes/runtimes";

export const GET = withRoute({ instanceAdmin: true }, async () => sandboxRuntimes().overview());

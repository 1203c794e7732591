import { withRoute } from "@/lib/api/with-route";
import { listAgentInstalls } from "@/lib/agents/installer";

export const GET = withRoute({ instanceAdmin: true }, async () => ({ items: listAgentInstalls() }));

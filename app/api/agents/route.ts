import { withRoute } from "@/lib/api/with-route";
import { listAgents } from "@/lib/sessions/agents";

export const GET = withRoute({}, async () => ({ items: await listAgents() }));

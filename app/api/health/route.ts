import { withPublicRoute } from "@/lib/api/with-route";
import { healthReport } from "@/lib/health";

export const dynamic = "force-dynamic";

// Always 200 as the contract says; `status` tells whether the portal is degraded.
export const GET = withPublicRoute({}, async () => Response.json(await healthReport(), { headers: { "cache-control": "no-store" } }));

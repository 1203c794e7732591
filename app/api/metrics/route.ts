import { requireInstanceAdmin } from "@/lib/accounts/instance";
import { authenticatedUser, withPublicRoute } from "@/lib/api/with-route";
import { isMetricsToken, metricsText } from "@/lib/metrics";

export const dynamic = "force-dynamic";

// Prometheus text format, for a scraper holding PORTAL_METRICS_TOKEN or an instance admin.
export const GET = withPublicRoute({}, async ({ request }) => {
  if (!isMetricsToken(request.headers.get("authorization"))) requireInstanceAdmin(await authenticatedUser(request));
  const { text, contentType } = await metricsText();
  return new Response(text, { headers: { "content-type": contentType, "cache-control": "no-store" } });
});

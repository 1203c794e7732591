import { withPublicRoute } from "@/lib/api/with-route";
import { healthReport } from "@/lib/health";

export const dynamic = "force-dynamic";

export const GET = withPublicRoute(async () => {
  const report = await healthReport();
  return Response.json(report, { status: report.status === "ok" ? 200 : 503 });
});

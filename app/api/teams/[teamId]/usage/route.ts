import { withRoute } from "@/lib/api/with-route";
import { usageCsv, usageReport } from "@/lib/usage/usage";
import { usageQuery } from "./schema";

export const GET = withRoute({ team: "read", query: usageQuery }, async ({ team, query }) => {
  const report = await usageReport({ teamId: team.id, from: query.from, to: query.to, groupBy: query.groupBy, limit: query.limit });
  if (query.format === "json") return report;
  return new Response(usageCsv(report), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="usage-${report.groupBy}-${report.from}-${report.to}.csv"`,
    },
  });
});

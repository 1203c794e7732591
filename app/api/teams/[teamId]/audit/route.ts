import { withRoute } from "@/lib/api/with-route";
import { listAuditEntries } from "@/lib/teams/audit-log";
import { auditQuery } from "./schema";

export const GET = withRoute({ team: "readAudit", query: auditQuery }, async ({ team, query }) => listAuditEntries({ teamId: team.id, ...query }));

import { withRoute } from "@/lib/api/with-route";
import { listAuditEntries } from "@/lib/teams/audit-log";
import { auditQuery } from "./schema";

export const GET = withRoute<{ teamId: string }, undefined, typeof auditQuery>({ query: auditQuery }, async ({ user, params, query }) =>
  listAuditEntries({ teamId: params.teamId, userId: user.id, ...query }),
);

import { withRoute } from "@/lib/api/with-route";
import { listChanges } from "@/lib/cluster/commands";
import { changesQuery } from "../../schema";

export const GET = withRoute({ sandbox: "read", query: changesQuery }, async ({ sandbox, query }) => listChanges(sandbox, query.against));

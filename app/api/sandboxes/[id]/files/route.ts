import { withRoute } from "@/lib/api/with-route";
import { listWorkspace } from "@/lib/cluster/commands";
import { filesQuery } from "../../schema";

export const GET = withRoute({ sandbox: "read", query: filesQuery }, async ({ sandbox, query }) => listWorkspace(sandbox, query.path));

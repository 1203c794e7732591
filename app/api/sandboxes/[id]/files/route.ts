import { withRoute } from "@/lib/api/with-route";
import { listWorkspace } from "@/lib/cluster/commands";
import { filesQuery } from "../../schema";

export const GET = withRoute({ sandbox: "viewer", query: filesQuery }, async ({ sandbox, query }) => listWorkspace(sandbox, query.path));

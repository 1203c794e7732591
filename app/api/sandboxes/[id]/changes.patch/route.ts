import { withRoute } from "@/lib/api/with-route";
import { patchOf } from "@/lib/cluster/commands";
import { changesQuery } from "../../schema";

export const GET = withRoute(
  { sandbox: "read", query: changesQuery },
  async ({ sandbox, query }) =>
    new Response(Buffer.from(await patchOf(sandbox, query.against)), {
      headers: {
        "content-type": "text/x-diff",
        "x-content-type-options": "nosniff",
        "content-disposition": `attachment; filename="sandbox-${sandbox.id.slice(0, 8)}.patch"`,
        "cache-control": "no-store",
      },
    }),
);

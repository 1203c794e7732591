import { withRoute } from "@/lib/api/with-route";
import { workspaceArchive } from "@/lib/cluster/commands";

export const GET = withRoute(
  { sandbox: "read" },
  async ({ sandbox }) =>
    new Response(await workspaceArchive(sandbox), {
      headers: {
        "content-type": "application/gzip",
        "content-disposition": `attachment; filename="workspace-${sandbox.id.slice(0, 8)}.tar.gz"`,
        "cache-control": "no-store",
      },
    }),
);

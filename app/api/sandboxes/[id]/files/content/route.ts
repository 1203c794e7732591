import { withRoute } from "@/lib/api/with-route";
import { readWorkspaceFile } from "@/lib/cluster/commands";
import { fileContentQuery } from "../../../schema";

// The file as bytes; never rendered by the browser as a page of the portal's origin.
export const GET = withRoute({ sandbox: "read", query: fileContentQuery }, async ({ sandbox, query }) => {
  const bytes = await readWorkspaceFile(sandbox, query.path);
  return new Response(Buffer.from(bytes), {
    headers: {
      "content-type": "application/octet-stream",
      "x-content-type-options": "nosniff",
      "content-disposition": "attachment",
      "cache-control": "no-store",
    },
  });
});

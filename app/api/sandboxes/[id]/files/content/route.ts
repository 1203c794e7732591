import { withRoute } from "@/lib/api/with-route";
import { requireSandbox } from "@/lib/sandboxes/sandboxes";
import { readWorkspaceFile } from "@/lib/sessions/commands";
import { fileContentQuery } from "../../../schema";

// The file as bytes; never rendered by the browser as a page of the portal's origin.
export const GET = withRoute<{ id: string }, undefined, typeof fileContentQuery>({ query: fileContentQuery }, async ({ user, params, query }) => {
  const bytes = await readWorkspaceFile(await requireSandbox({ sandboxId: params.id, userId: user.id }), query.path);
  return new Response(Buffer.from(bytes), {
    headers: { "content-type": "application/octet-stream", "x-content-type-options": "nosniff", "content-disposition": "attachment", "cache-control": "no-store" },
  });
});

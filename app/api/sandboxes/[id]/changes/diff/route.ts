import { withRoute } from "@/lib/api/with-route";
import { diffOfPath } from "@/lib/cluster/commands";
import { diffQuery } from "../../../schema";

// Text of the agent's making: plain text, never a page of the portal's origin.
export const GET = withRoute(
  { sandbox: "read", query: diffQuery },
  async ({ sandbox, query }) =>
    new Response(await diffOfPath(sandbox, query), {
      headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", "cache-control": "no-store" },
    }),
);

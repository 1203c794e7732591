import { withRoute } from "@/lib/api/with-route";
import { promptContent } from "@/lib/sessions/prompt-content";
import { promptSession } from "@/lib/cluster/commands";
import { promptBody } from "./schema";

export const POST = withRoute({ session: "work", body: promptBody, bodyTextAsIs: true }, async ({ user, session, body }) => {
  const { turnId } = await promptSession({ session, userId: user.id, content: promptContent(body) });
  return Response.json({ turnId }, { status: 202 });
});

import { withRoute } from "@/lib/api/with-route";
import { promptContent } from "@/lib/sessions/prompt-content";
import { requireSession } from "@/lib/sessions/queries";
import { promptSession } from "@/lib/sessions/commands";
import { promptBody } from "./schema";

export const POST = withRoute<{ id: string }, typeof promptBody>({ body: promptBody, bodyTextAsIs: true }, async ({ user, params, body }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  const { turnId } = await promptSession({ session, userId: user.id, content: promptContent(body) });
  return Response.json({ turnId }, { status: 202 });
});

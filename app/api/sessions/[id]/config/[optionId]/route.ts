import { withRoute } from "@/lib/api/with-route";
import { requireSession } from "@/lib/sessions/queries";
import { setConfigOption } from "@/lib/sessions/commands";
import { configValueBody } from "./schema";

export const PUT = withRoute<{ id: string; optionId: string }, typeof configValueBody>({ body: configValueBody }, async ({ user, params, body }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  const configOptions = await setConfigOption({ session, userId: user.id, optionId: params.optionId, value: body.value });
  return { configOptions };
});

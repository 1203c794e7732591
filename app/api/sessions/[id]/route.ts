import { withRoute } from "@/lib/api/with-route";
import { destroySession } from "@/lib/sessions/lifecycle";
import { pendingPermissions, requireSession } from "@/lib/sessions/queries";
import { sessionDetailJson } from "@/lib/sessions/serialize";
import { patchSession } from "@/lib/sessions/settings";
import { patchSessionBody } from "./schema";

type Params = { id: string };

export const GET = withRoute<Params>({}, async ({ user, params }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id });
  return sessionDetailJson(session, await pendingPermissions(session.id));
});

export const PATCH = withRoute<Params, typeof patchSessionBody>({ body: patchSessionBody }, async ({ user, params, body }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  const updated = await patchSession({ session, userId: user.id, patch: body });
  return sessionDetailJson(updated, await pendingPermissions(session.id));
});

export const DELETE = withRoute<Params>({}, async ({ user, params }) => {
  const { session, role } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  await destroySession({ session, userId: user.id, role });
  return new Response(null, { status: 204 });
});

import { withRoute } from "@/lib/api/with-route";
import { pendingPermissions, requireSession } from "@/lib/sessions/queries";
import { sessionJson } from "@/lib/sessions/serialize";
import { destroySession, patchSession } from "@/lib/sessions/commands";
import { patchSessionBody } from "./schema";

type Params = { id: string };

export const GET = withRoute<Params>({}, async ({ user, params }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id });
  return sessionJson(session, await pendingPermissions(session.id), { detail: true });
});

export const PATCH = withRoute<Params, typeof patchSessionBody>({ body: patchSessionBody }, async ({ user, params, body }) => {
  const { session } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  const updated = await patchSession({ session, userId: user.id, patch: body });
  return sessionJson(updated, await pendingPermissions(session.id), { detail: true });
});

export const DELETE = withRoute<Params>({}, async ({ user, params }) => {
  const { session, role } = await requireSession({ sessionId: params.id, userId: user.id, role: "member" });
  await destroySession({ session, userId: user.id, role });
  return new Response(null, { status: 204 });
});

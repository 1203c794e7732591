import "server-only";
import type { Session } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { conflict, notFound, unprocessable } from "@/lib/errors";
import { recordPortalEvent } from "@/lib/sessions/portal-events";
import { isStorable } from "@/lib/sessions/stored-text";
import { attachedSdk } from "@/lib/sessions/runtime-link";
import { assertWritable } from "@/lib/sessions/turns";

// Answering an agent's permission request. The reply picks the option of kind allow_once /
// allow_always / reject_once. The database claim (pending → resolved) decides who answers first; a
// second answer is a 409. A request the runtime no longer holds has expired.

export type PermissionReply = "once" | "always" | "reject";

const REPLY_KIND: Record<PermissionReply, string> = { once: "allow_once", always: "allow_always", reject: "reject_once" };

export async function replyToPermission({ session, userId, permissionId, reply }: { session: Session; userId: string; permissionId: string; reply: PermissionReply }) {
  assertWritable(session);
  const permission = isStorable(permissionId) ? await db().permission.findFirst({ where: { id: permissionId, sessionId: session.id } }) : null;
  if (!permission) throw notFound("Permission request");
  if (permission.status !== "pending") throw conflict(`This permission request was already ${permission.status === "resolved" ? `answered (${permission.reply})` : permission.status}.`);

  const kind = REPLY_KIND[reply];
  const options = permission.options as Array<{ optionId?: string; kind?: string }>;
  const chosen = options.find((option) => option.kind === kind && typeof option.optionId === "string");
  if (!chosen) {
    const offered = Object.entries(REPLY_KIND).filter(([, k]) => options.some((option) => option.kind === k)).map(([r]) => r);
    throw unprocessable(`The agent did not offer "${reply}" here (no option of kind ${kind}).`, [{ path: "reply", message: `must be one of: ${offered.join(", ")}` }]);
  }

  const claimed = await db().$transaction(async (tx) => {
    const { count } = await tx.permission.updateMany({
      where: { id: permissionId, status: "pending" },
      data: { status: "resolved", reply, resolvedBy: userId, resolvedAt: new Date() },
    });
    if (count === 0) return false;
    await recordAudit(tx, { teamId: session.teamId, actorId: userId, action: "permission.reply", targetType: "permission", targetId: permissionId, detail: { sessionId: session.id, reply } });
    return true;
  });
  if (!claimed) throw conflict("This permission request was already answered.");

  const sdk = await attachedSdk(session.id).catch(() => null);
  try {
    if (!sdk) throw new Error("runtime session gone");
    // The option of exactly the kind asked for (the SDK's own mapping would fall back to another kind).
    await sdk.rawRespondPermission(permissionId, { outcome: { outcome: "selected", optionId: chosen.optionId! } });
  } catch {
    await db().permission.update({ where: { id: permissionId }, data: { status: "expired", reply: null } });
    recordPortalEvent(session.id, { type: "permission_resolved", permissionId, reply: "expired", by: null });
    throw conflict("This permission request expired: the agent is no longer waiting for it.");
  }
  recordPortalEvent(session.id, { type: "permission_resolved", permissionId, reply, by: userId });
}

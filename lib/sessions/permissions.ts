import "server-only";
import { isStorableText } from "@/lib/api/input-rule";
import { REPLY_OPTION_KIND, type PermissionReply } from "@/lib/contract/permissions";
import type { SessionPermissionRequest } from "sandbox-agent";
import type { Session } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import { conflict, isDatabaseUnreachable, notFound, unprocessable } from "@/lib/errors";
import { sdkForSession } from "@/lib/sessions/attachments";
import { assertWritable } from "@/lib/sessions/guards";
import { recordChange } from "@/lib/sessions/journal";

// An agent's permission requests: intake (the row and its event commit together), a person's reply
// (claimed in the database, so the first answer wins and a second is a 409), and the bulk
// cancelPending for requests nobody will answer any more (turn over, cancel, destroy, runtime lost).


/** A request the agent sent through the runtime: stored as pending, on the session's running turn. */
export function intakePermissionRequest(sessionId: string, request: SessionPermissionRequest) {
  const toolCall = {
    title: request.toolCall.title ?? "Tool call",
    kind: request.toolCall.kind ?? "other",
    ...(request.toolCall.rawInput !== undefined ? { rawInput: request.toolCall.rawInput } : {}),
    ...(request.toolCall.toolCallId ? { toolCallId: request.toolCall.toolCallId } : {}),
  };
  const options = request.options.map((option) => ({ optionId: option.optionId, name: option.name, kind: option.kind }));
  return recordChange({
    sessionId,
    event: { type: "permission_requested", permissionId: request.id, toolCall, options },
    permissions: { requests: [{ id: request.id, toolCall, options, createdAt: new Date(request.createdAt) }] },
  });
}

export async function replyToPermissionOnOwner({ session, userId, permissionId, reply }: { session: Session; userId: string; permissionId: string; reply: PermissionReply }) {
  assertWritable(session);
  const permission = isStorableText(permissionId) ? await db().permission.findFirst({ where: { id: permissionId, sessionId: session.id } }) : null;
  if (!permission) throw notFound("Permission request");
  if (permission.status !== "pending") throw conflict("permission_answered", `This permission request was already ${permission.status === "resolved" ? `answered (${permission.reply})` : permission.status}.`);

  const kind = REPLY_OPTION_KIND[reply];
  const options = permission.options as Array<{ optionId?: string; kind?: string }>;
  const chosen = options.find((option) => option.kind === kind && typeof option.optionId === "string");
  if (!chosen) {
    const offered = Object.entries(REPLY_OPTION_KIND).filter(([, k]) => options.some((option) => option.kind === k)).map(([r]) => r);
    throw unprocessable(`The agent did not offer "${reply}" here (no option of kind ${kind}).`, [{ path: "reply", message: `must be one of: ${offered.join(", ")}` }], "not_offered");
  }

  const claimed = await recordChange({
    sessionId: session.id,
    claim: "permission",
    event: { type: "permission_resolved", permissionId, reply, by: userId },
    permissions: { resolutions: [{ id: permissionId, from: "pending", status: "resolved", reply, by: userId }] },
    audit: { actorId: userId, action: "permission.reply", targetType: "permission", targetId: permissionId, detail: { sessionId: session.id, reply } },
  });
  if (!claimed) throw conflict("permission_answered", "This permission request was already answered.");

  const sdk = await sdkForSession(session.id).catch(() => null);
  try {
    if (!sdk) throw new Error("runtime session gone");
    // The option of exactly the kind asked for (the SDK's own mapping would fall back to another kind).
    await sdk.rawRespondPermission(permissionId, { outcome: { outcome: "selected", optionId: chosen.optionId! } });
  } catch {
    void recordChange({
      sessionId: session.id,
      event: { type: "permission_resolved", permissionId, reply: "expired", by: null },
      permissions: { resolutions: [{ id: permissionId, from: "resolved", status: "expired", reply: null, by: userId }] },
    });
    throw conflict("permission_expired", "This permission request expired: the agent is no longer waiting for it.");
  }
  return { id: permissionId, status: "resolved" as const, reply };
}

/**
 * Resolves a session's pending requests (of one turn, or all) as cancelled or expired, each claimed
 * so an answer given meanwhile stands. Returns the ids this call resolved, once committed. Waits for
 * a database that is away: a turn must end even then.
 */
export async function cancelPending({ sessionId, turnId, by = null, as = "cancelled" }: { sessionId: string; turnId?: string; by?: string | null; as?: "cancelled" | "expired" }) {
  const pending = await untilDatabaseAnswers(() =>
    db().permission.findMany({ where: { sessionId, status: "pending", ...(turnId ? { turnId } : {}) }, select: { id: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
  );
  const changes = pending.map(({ id }) =>
    recordChange({
      sessionId,
      claim: "permission",
      event: { type: "permission_resolved", permissionId: id, reply: as, by },
      permissions: { resolutions: [{ id, from: "pending", status: as, reply: null, by }] },
    }).then((committed) => (committed ? id : null), () => id),
  );
  return (await Promise.all(changes)).filter((id): id is string => id !== null);
}

async function untilDatabaseAnswers<T>(work: () => Promise<T>): Promise<T> {
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5_000)) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

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
import type { PolicyRule } from "@/lib/contract/policies";
import { policyRuleFor } from "@/lib/policies/policies";
import { emitSessionWebhook } from "@/lib/webhooks/emit";
import { errorField, logger } from "@/lib/log";

const log = logger("permissions");

// An agent's permission requests: intake (the row and its event commit together, then the team's
// approval policy may answer at once), a person's reply
// (claimed in the database, so the first answer wins and a second is a 409), and the bulk
// cancelPending for requests nobody will answer any more (turn over, cancel, destroy, runtime lost).

/**
 * A request the agent sent through the runtime: stored as pending, on the session's running turn.
 * When the team's approval policy has a rule for it, the portal answers at once (by
 * "policy:<rule id>"); otherwise it waits for a person, and the team's webhooks hear of it.
 */
export async function intakePermissionRequest(sessionId: string, request: SessionPermissionRequest) {
  const toolCall = {
    title: request.toolCall.title ?? "Tool call",
    kind: request.toolCall.kind ?? "other",
    ...(request.toolCall.rawInput !== undefined ? { rawInput: request.toolCall.rawInput } : {}),
    ...(request.toolCall.toolCallId ? { toolCallId: request.toolCall.toolCallId } : {}),
  };
  const options = request.options.map((option) => ({ optionId: option.optionId, name: option.name, kind: option.kind }));
  // Queued first, so the request keeps its place among the session's events.
  const stored = recordChange({
    sessionId,
    event: { type: "permission_requested", permissionId: request.id, toolCall, options },
    permissions: { requests: [{ id: request.id, toolCall, options, createdAt: new Date(request.createdAt) }] },
  });
  // A policy that cannot be read answers nothing: the request waits for a person, as without one.
  const rule = await policyRuleFor({ sessionId, toolCall: request.toolCall }).catch(() => null);
  const committed = await stored;
  if (!committed) return committed;
  if (rule && (await answerByPolicy(committed, request.id, options, rule))) return committed;
  void emitSessionWebhook({
    sessionId,
    event: "permission.waiting",
    data: { permissionId: request.id, toolCall: { title: toolCall.title, kind: toolCall.kind } },
  });
  return committed;
}

/** The policy's answer, as a person's would be recorded, by "policy:<rule id>"; false when the agent offered no option for it. */
async function answerByPolicy(session: Session, permissionId: string, options: Array<{ optionId: string; kind: string }>, rule: PolicyRule) {
  const reply: PermissionReply = rule.action === "allow" ? "once" : "reject";
  // Allow once where offered (a policy must not make the agent stop asking for good), else always.
  const kinds = rule.action === "allow" ? ["allow_once", "allow_always"] : ["reject_once", "reject_always"];
  const chosen = kinds.map((kind) => options.find((option) => option.kind === kind)).find((option) => option !== undefined);
  if (!chosen) return false;
  await resolveAndAnswer({ session, permissionId, reply, by: `policy:${rule.id}`, actorId: null, optionId: chosen.optionId }).catch((error: unknown) => {
    log.error({ permissionId, err: errorField(error) }, "the policy's answer did not reach the agent");
  });
  return true;
}

export async function replyToPermissionOnOwner({
  session,
  userId,
  permissionId,
  reply,
}: {
  session: Session;
  userId: string;
  permissionId: string;
  reply: PermissionReply;
}) {
  assertWritable(session);
  const permission = isStorableText(permissionId) ? await db().permission.findFirst({ where: { id: permissionId, sessionId: session.id } }) : null;
  if (!permission) throw notFound("Permission request");
  if (permission.status !== "pending")
    throw conflict(
      "permission_answered",
      `This permission request was already ${permission.status === "resolved" ? `answered (${permission.reply})` : permission.status}.`,
    );

  const kind = REPLY_OPTION_KIND[reply];
  const options = permission.options as Array<{ optionId?: string; kind?: string }>;
  const chosen = options.find((option) => option.kind === kind && typeof option.optionId === "string");
  if (!chosen) {
    const offered = Object.entries(REPLY_OPTION_KIND)
      .filter(([, k]) => options.some((option) => option.kind === k))
      .map(([r]) => r);
    throw unprocessable(
      `The agent did not offer "${reply}" here (no option of kind ${kind}).`,
      [{ path: "reply", message: `must be one of: ${offered.join(", ")}` }],
      "not_offered",
    );
  }

  await resolveAndAnswer({ session, permissionId, reply, by: userId, actorId: userId, optionId: chosen.optionId! });
  return { id: permissionId, status: "resolved" as const, reply };
}

/**
 * Claims the request as resolved (the first answer wins: a second is a 409) and sends the chosen
 * option to the agent; when the agent no longer waits, the request is recorded as expired.
 */
async function resolveAndAnswer({
  session,
  permissionId,
  reply,
  by,
  actorId,
  optionId,
}: {
  session: Session;
  permissionId: string;
  reply: PermissionReply;
  by: string;
  actorId: string | null;
  optionId: string;
}) {
  const claimed = await recordChange({
    sessionId: session.id,
    claim: "permission",
    event: { type: "permission_resolved", permissionId, reply, by },
    permissions: { resolutions: [{ id: permissionId, from: "pending", status: "resolved", reply, by }] },
    audit: {
      actorId,
      action: "permission.reply",
      targetType: "permission",
      targetId: permissionId,
      detail: { sessionId: session.id, reply, ...(actorId === null ? { by } : {}) },
    },
  });
  if (!claimed) throw conflict("permission_answered", "This permission request was already answered.");

  const sdk = await sdkForSession(session.id).catch(() => null);
  try {
    if (!sdk) throw new Error("runtime session gone");
    // The option of exactly the kind asked for (the SDK's own mapping would fall back to another kind).
    await sdk.rawRespondPermission(permissionId, { outcome: { outcome: "selected", optionId } });
  } catch {
    void recordChange({
      sessionId: session.id,
      event: { type: "permission_resolved", permissionId, reply: "expired", by: null },
      permissions: { resolutions: [{ id: permissionId, from: "resolved", status: "expired", reply: null, by }] },
    });
    throw conflict("permission_expired", "This permission request expired: the agent is no longer waiting for it.");
  }
}

/**
 * Resolves a session's pending requests (of one turn, or all) as cancelled or expired, each claimed
 * so an answer given meanwhile stands. Returns the ids this call resolved, once committed. Waits for
 * a database that is away: a turn must end even then.
 */
export async function cancelPending({
  sessionId,
  turnId,
  by = null,
  as = "cancelled",
}: {
  sessionId: string;
  turnId?: string;
  by?: string | null;
  as?: "cancelled" | "expired";
}) {
  const pending = await untilDatabaseAnswers(() =>
    db().permission.findMany({
      where: { sessionId, status: "pending", ...(turnId ? { turnId } : {}) },
      select: { id: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
  );
  const changes = pending.map(({ id }) =>
    recordChange({
      sessionId,
      claim: "permission",
      event: { type: "permission_resolved", permissionId: id, reply: as, by },
      permissions: { resolutions: [{ id, from: "pending", status: as, reply: null, by }] },
    }).then(
      (committed) => (committed ? id : null),
      () => id,
    ),
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

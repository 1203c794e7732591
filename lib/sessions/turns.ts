import "server-only";
import { randomUUID } from "node:crypto";
import type { Session } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { conflict, isDatabaseUnreachable, unprocessable } from "@/lib/errors";
import { SEED_META_KEY } from "@/lib/events/classify";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { recordPortalEvent, recordStatus } from "@/lib/sessions/portal-events";
import { attachedSdk, links, restoreSession, runtimeError } from "@/lib/sessions/runtime-link";
import { outsideWorkspaceMessage, runtimeForSession, sandboxOfSession, workspacePathOfUri } from "@/lib/sandboxes/sandboxes";
import { assertTurnCapacity } from "@/lib/sessions/turn-cap";

// A turn: the prompt is accepted (202) once the session is marked running; the runtime call goes on
// in the background and its end is recorded as a `turn_ended` event that returns the session to idle.

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "resource_link"; uri: string; name: string; mimeType?: string; title?: string; description?: string; size?: number };

// Turns cancelled because the event queue passed its budget (see pauseRunningTurns).
const globalPauses = globalThis as unknown as { portalPausedTurns?: Set<string> };
const pausedTurns = (globalPauses.portalPausedTurns ??= new Set());
// A cancel can overtake its turn's prompt on the way to the agent (which then ignores it); it is
// repeated while that turn runs. The prompt itself is always sent, so the history keeps it.
const CANCEL_RETRY_MS = [300, 1_000, 3_000, 10_000];
// An agent that has not answered a cancel by then is not going to (it never got the prompt, or it
// hangs): the portal ends the turn itself so the session can be used again.
const CANCEL_GIVE_UP_MS = 15_000;

export function assertWritable(session: Session) {
  if (session.status === "destroyed") throw conflict("The session is destroyed; its history is read-only.");
}

export async function promptSession({ session, userId, content }: { session: Session; userId: string; content: ContentBlock[] }) {
  assertWritable(session);
  if (session.status === "running") throw conflict("A turn is already running in this session; wait for it or cancel it.");
  if (session.status === "restorable" || session.status === "offline") await restoreSession(session, userId);
  else if (!(await attachedSdk(session.id))) await restoreSession(session, userId);
  await checkResourceLinks(session.id, content);

  const turnId = randomUUID();
  const claimed = await db().$transaction(async (tx) => {
    await assertTurnCapacity(tx, session.teamId);
    const { count } = await tx.session.updateMany({
      where: { id: session.id, status: "idle" },
      data: { status: "running", currentTurnId: turnId, updatedAt: new Date() },
    });
    if (count === 0) return false;
    await recordAudit(tx, { teamId: session.teamId, actorId: userId, action: "session.prompt", targetType: "session", targetId: session.id, detail: { turnId } });
    return true;
  });
  if (!claimed) throw conflict("The session is not ready for a prompt (a turn is running or it was destroyed).");
  links.runningTurns.set(session.id, turnId);
  recordStatus(session.id, "running", { currentTurnId: turnId });
  void runTurn(session.id, turnId, content);
  return { turnId };
}

async function runTurn(sessionId: string, turnId: string, content: ContentBlock[]) {
  let stopReason = "error";
  try {
    const sdk = await attachedSdk(sessionId);
    if (!sdk) throw new Error("the session is not attached to the runtime");
    const seed = links.seeds.get(sessionId);
    links.seeds.delete(sessionId);
    const prompt = seed ? [{ type: "text", text: seed, _meta: { [SEED_META_KEY]: true } }, ...content] : content;
    const { response } = await sdk.rawSendSessionMethod(sessionId, "session/prompt", { prompt });
    const reason = (response as { stopReason?: unknown } | undefined)?.stopReason;
    stopReason = typeof reason === "string" ? reason : "end_turn";
  } catch (error) {
    if (links.runningTurns.get(sessionId) !== turnId) return; // already ended (runtime lost, destroyed)
    console.error(`[turns] turn ${turnId} of session ${sessionId} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await endTurn(sessionId, turnId, stopReason);
}

/** The runtime refused a prompt the SDK posted: that turn will never be answered, so it ends as failed. */
export function endRefusedPrompt(message: unknown, status: number) {
  if ((message as { method?: unknown } | null)?.method !== "session/prompt") return;
  const sessionId = persistDriver().sessionIdForMessage(message);
  const turnId = sessionId ? links.runningTurns.get(sessionId) : undefined;
  if (!sessionId || !turnId) return;
  console.error(`[turns] the runtime refused the prompt of turn ${turnId} (HTTP ${status}); the turn ends as failed`);
  void endTurn(sessionId, turnId, "error");
}

async function endTurn(sessionId: string, turnId: string, stopReason: string) {
  // The runtime can answer the prompt before the turn's last updates arrive; let them land first.
  await persistDriver().settled(sessionId);
  if (pausedTurns.delete(turnId)) stopReason = "paused";
  if (links.runningTurns.get(sessionId) !== turnId) return;
  links.runningTurns.delete(sessionId);
  // A request the agent stopped waiting for (the turn is over) is answered as cancelled, visibly.
  // The turn must end even if the database is away right now: wait for it rather than give up.
  await untilDatabaseAnswers(async () => {
    const pending = await db().permission.findMany({ where: { sessionId, turnId, status: "pending" }, select: { id: true } });
    for (const { id } of pending) {
      const { count } = await db().permission.updateMany({ where: { id, status: "pending" }, data: { status: "cancelled", resolvedAt: new Date() } });
      if (count > 0) recordPortalEvent(sessionId, { type: "permission_resolved", permissionId: id, reply: "cancelled", by: null });
    }
  });
  recordPortalEvent(sessionId, { type: "turn_ended", turnId, stopReason }, { status: "idle", lastStopReason: stopReason, currentTurnId: null });
}

async function untilDatabaseAnswers(work: () => Promise<void>) {
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 5_000)) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * Cancels the running turn. SDK 0.4.2 refuses a manual `session/cancel` ("use destroySession"), so
 * the portal posts the ACP `session/cancel` notification itself to the runtime's ACP endpoint of the
 * connection the SDK opened (the server id seen by the observed fetch), exactly as the SDK's own
 * destroySession does internally, without destroying the session. The agent then answers the prompt
 * with stop reason `cancelled`, which ends the turn as usual.
 */
export async function cancelTurn({ session, userId }: { session: Session; userId: string }) {
  assertWritable(session);
  const turnId = links.runningTurns.get(session.id);
  if (session.status !== "running" || !turnId) throw conflict("No turn is running in this session.");
  const target = await cancelTarget(session.id);
  if (!target) throw conflict("The session's runtime connection is gone; it will come back as restorable.");
  const { sdk, serverId, notification } = target;

  // The turn's pending permissions are resolved as cancelled: claimed here first, so the answer is
  // recorded as this user's; answered to the agent only after the cancel (as ACP asks of a client that
  // cancels; answered first, the agent would carry on and end the turn normally).
  const pending = await db().permission.findMany({ where: { sessionId: session.id, status: "pending" }, select: { id: true } });
  const claimed: string[] = [];
  for (const { id } of pending) {
    const { count } = await db().permission.updateMany({ where: { id, status: "pending" }, data: { status: "cancelled", resolvedBy: userId, resolvedAt: new Date() } });
    if (count === 0) continue;
    claimed.push(id);
    recordPortalEvent(session.id, { type: "permission_resolved", permissionId: id, reply: "cancelled", by: userId });
  }
  const runtime = await runtimeForSession(session.id);
  await runtime.postAcp(serverId, notification);
  for (const id of claimed) await sdk.rawRespondPermission(id, { outcome: { outcome: "cancelled" } }).catch(() => undefined);
  for (const delay of CANCEL_RETRY_MS) {
    setTimeout(() => {
      if (links.runningTurns.get(session.id) !== turnId) return;
      void runtime.postAcp(serverId, notification).catch(() => undefined);
    }, delay).unref();
  }
  setTimeout(() => {
    if (links.runningTurns.get(session.id) === turnId) void endTurn(session.id, turnId, "cancelled");
  }, CANCEL_GIVE_UP_MS).unref();
  await db().auditEntry.create({
    data: { teamId: session.teamId, actorId: userId, action: "session.cancel", targetType: "session", targetId: session.id, detail: { turnId } },
  });
}

/** Where a session's `session/cancel` goes: the ACP server the SDK opened for its agent. */
async function cancelTarget(sessionId: string) {
  const sdk = await attachedSdk(sessionId);
  const { fetch: observed } = await (await runtimeForSession(sessionId)).sdk();
  const record = await persistDriver().getSession(sessionId);
  // The observed fetch learns a server's agent from the first answered request, which can be the
  // SSE GET (no ?agent=); the SDK names its servers `sdk-<agent>-<id>`, so fall back to that.
  const serverId = record ? (observed.serverIdForAgent(record.agent) ?? observed.serverIds().find((id) => id.startsWith(`sdk-${record.agent}-`)) ?? null) : null;
  if (!sdk || !record || !serverId) return null;
  return { sdk, serverId, notification: { jsonrpc: "2.0", method: "session/cancel", params: { sessionId: record.agentSessionId } } };
}

/**
 * The database has been away so long that the event queue passed its budget: cancel the running
 * turns so it stops growing. They end with stop reason `paused` once their events are stored.
 */
export async function pauseRunningTurns() {
  for (const [sessionId, turnId] of links.runningTurns) {
    pausedTurns.add(turnId);
    const target = await cancelTarget(sessionId).catch(() => null);
    if (target) await (await runtimeForSession(sessionId)).postAcp(target.serverId, target.notification).catch(() => undefined);
  }
}

/**
 * A resource_link must name a file inside the session's workspace, as the sandbox sees it (checked
 * through the sandbox's runtime). Outside the workspace, missing or not a file: one answer, so a
 * refusal tells nothing about the host.
 */
async function checkResourceLinks(sessionId: string, content: ContentBlock[]) {
  if (!content.some((block) => block.type === "resource_link")) return;
  const { workspace } = await sandboxOfSession(sessionId);
  const { sdk } = await (await runtimeForSession(sessionId)).sdk();
  for (const [index, link] of content.entries()) {
    if (link.type !== "resource_link") continue;
    const filePath = workspacePathOfUri(workspace, link.uri);
    let entryType: string | undefined;
    if (filePath) {
      try {
        entryType = (await sdk.statFs({ path: filePath })).entryType;
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        if (typeof status !== "number" || status >= 500) throw runtimeError(error);
      }
    }
    if (entryType !== "file") {
      throw unprocessable("A resource_link must name a file in the sandbox's workspace.", [
        { path: `content.${index}.uri`, message: `${outsideWorkspaceMessage}, naming a file` },
      ]);
    }
  }
}

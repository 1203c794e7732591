import "server-only";
import { db } from "@/lib/db/client";
import { rebuildLastMessage } from "@/lib/events/repair-messages";
import type { PortalEventPayload } from "@/lib/events/types";
import { eventWriter } from "@/lib/events/writer";
import type { RuntimeStreamObserver } from "@/lib/runtime/manager";
import type { ClientAnswer, GapReport, Refusal } from "@/lib/runtime/observed-fetch";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { attachments } from "@/lib/sessions/attachments";
import { pauseRunningTurns } from "@/lib/sessions/cancel";
import { limitHit, type LimitHit } from "@/lib/sandboxes/limits";
import { gapOwner } from "@/lib/sessions/gap-owner";
import { recordChange } from "@/lib/sessions/journal";
import { cancelPending } from "@/lib/sessions/permissions";
import { endTurn } from "@/lib/sessions/turns";
import { emitSessionWebhook } from "@/lib/webhooks/emit";
import { errorField, logger } from "@/lib/log";
import { recordLimitHit, recordStreamGap } from "@/lib/metrics";

const log = logger("sessions");

// How sessions react to what happens to the runtime and its stream, all in one place and wired once
// (lib/boot.ts): a runtime generation lost (running turns end interrupted, pending permissions
// expire, sessions become restorable), an external runtime down and back (offline, then as they
// were), messages the runtime dropped (a gap in the history), a prompt the runtime refused (its turn
// ends as failed, or interrupted when the refusal says its agent is gone), sessions left behind by an
// instance that died or stopped (restorable) and the event queue over its budget (running turns are
// paused).

/** Called once at boot: the runtimes' stream observer and listeners, and the event queue's pressure. */
export function wireRuntimeReactions() {
  eventWriter().onPressure = () => void pauseRunningTurns();
  const streamObserver: RuntimeStreamObserver = {
    onGap: attributeGap,
    onRefused: (message, refusal) => void endRefusedPrompt(message, refusal),
    onClientAnswer: recordClientAnswer,
  };
  const listeners = {
    lost: (generation: number, sandboxId: string | null) => void onRuntimeLost(generation, sandboxId),
    down: (generation: number) => void onRuntimeDown(generation),
    ready: (generation: number) => void onRuntimeBack(generation),
  };
  return { streamObserver, listeners };
}

/**
 * A runtime generation is gone, with every runtime session on it; when its sandbox hit a limit, the
 * history says which. Every session lets go at once, before any write: a refusal arriving meanwhile
 * (the runtime answers a dead agent's pending prompt when its server closes) finds no turn to end.
 */
export async function onRuntimeLost(generation: number, sandboxId: string | null = null) {
  const hit = sandboxId ? limitHit(sandboxId) : null;
  if (hit) recordLimitHit(hit.limit);
  // All detached at once, before any await: a prompt arriving meanwhile restores its session rather
  // than reaching for the gone generation's SDK.
  const detached = attachments()
    .sessionsOn(generation)
    .map((sessionId) => ({ sessionId, ...attachments().detach(sessionId) }));
  for (const { sessionId, turnId, failed } of detached) await becomeRestorable(sessionId, turnId, hit, failed ? "error" : "interrupted");
}

/** An external runtime stopped answering: its sessions are offline until it is back or lost. */
export function onRuntimeDown(generation: number) {
  for (const sessionId of attachments().sessionsOn(generation)) {
    void recordChange({ sessionId, event: { type: "status", status: "offline" }, effects: { status: "offline" } });
  }
}

/** The runtime answers again with the same sessions: they pick up where they were. */
export function onRuntimeBack(generation: number) {
  for (const sessionId of attachments().sessionsOn(generation)) {
    const status = attachments().runningTurn(sessionId) ? "running" : "idle";
    void recordChange({ sessionId, event: { type: "status", status }, effects: { status } });
  }
}

/**
 * Sessions nobody holds any more: their sandbox's owner died or let go (lib/cluster/lease.ts),
 * or they are from before sandboxes. Each live-looking one becomes restorable, its cut-off turn
 * ended interrupted, and its last message rebuilt from its events. Resolves once all is committed.
 */
/** A session in one of these states looks held by some instance: left behind, it becomes restorable. */
export const LIVE_LOOKING = ["idle", "running", "offline"] as const;

export async function sessionsLeftBehind(where: { sandboxIds: string[] } | { unsandboxed: true }) {
  if ("sandboxIds" in where && where.sandboxIds.length === 0) return 0;
  const left = await db().session.findMany({
    where: { status: { in: [...LIVE_LOOKING] }, ...("sandboxIds" in where ? { sandboxId: { in: where.sandboxIds } } : { sandboxId: null }) },
    select: { id: true, currentTurnId: true },
  });
  for (const session of left) {
    if (session.currentTurnId) await rebuildLastMessage(session.id);
    await becomeRestorable(session.id, session.currentTurnId);
  }
  return left.length;
}

/**
 * Pending permissions expire and a running turn ends interrupted, or failed when the runtime had
 * refused its prompt (after the limit that ended it, if one did), then the status, in one change.
 */
async function becomeRestorable(sessionId: string, turnId: string | null, hit: LimitHit | null = null, stopReason: "interrupted" | "error" = "interrupted") {
  await cancelPending({ sessionId, as: "expired" });
  const limit: PortalEventPayload[] = hit ? [{ type: "limit", limit: hit.limit, detail: hit.message }] : [];
  const turnEnded: PortalEventPayload[] = turnId ? [{ type: "turn_ended", turnId, stopReason }] : [];
  await recordChange({
    sessionId,
    event: [...limit, ...turnEnded, { type: "status", status: "restorable" }],
    effects: { status: "restorable", currentTurnId: null, ...(turnId ? { lastStopReason: stopReason } : {}) },
  }).catch((error: unknown) => log.error({ sessionId, err: errorField(error) }, "could not mark the session restorable"));
  // A turn cut off by the runtime's loss is a failure the team may want to hear of.
  if (turnId) void emitSessionWebhook({ sessionId, event: "session.failed", data: { turnId, reason: "the runtime was lost; the session is restorable" } });
}

/**
 * The runtime dropped messages that its replay buffer no longer held. They go into the history of the
 * session they were lost from, on the connection they were lost on (lib/sessions/gap-owner.ts), or
 * nowhere, said in a log line. Recorded synchronously, before the frames after the gap are handed on,
 * so the gap event sits where the loss happened.
 */
function attributeGap(report: GapReport & { generation: number }) {
  recordStreamGap(report.missing);
  const owner = gapOwner(report.nextMessage, attachments().sessionsOn(report.generation), (agentSessionId, among) =>
    persistDriver().sessionIdForAgentSession(agentSessionId, among),
  );
  if (owner.sessionId === null) {
    log.error({ missing: report.missing, serverId: report.serverId, reason: owner.reason }, "messages lost on an ACP server are recorded in no session");
    return;
  }
  void recordChange({ sessionId: owner.sessionId, event: { type: "gap", missing: report.missing } });
}

/**
 * The runtime refused a prompt the SDK posted: that turn will never be answered. When the refusal says
 * the agent is gone, the agent died under the turn: an interruption, which the loss of its connection
 * (checked because of this very refusal) records for every turn on it; this one ends here only when
 * that check could not judge (the runtime did not answer it). Otherwise a live runtime refused a live
 * agent's prompt: the turn failed, marked so at once so that the connection's loss, which may end it
 * first, records it as failed too.
 */
async function endRefusedPrompt(message: unknown, { status, agentGone, lossesJudged }: Refusal & { lossesJudged: Promise<void> }) {
  if ((message as { method?: unknown } | null)?.method !== "session/prompt") return;
  const sessionId = persistDriver().sessionIdForMessage(message);
  const turnId = sessionId ? attachments().runningTurn(sessionId) : null;
  if (!sessionId || !turnId) return;
  if (!agentGone) {
    attachments().failTurn(sessionId, turnId);
    log.error({ sessionId, turnId, status }, "the runtime refused the prompt; the turn ends as failed");
    await endTurn(sessionId, turnId, "error");
    return;
  }
  log.warn({ sessionId, turnId, status }, "the agent is gone under the turn; it ends interrupted");
  await lossesJudged;
  if (attachments().runningTurn(sessionId) === turnId) await endTurn(sessionId, turnId, "interrupted");
}

/**
 * The client's answer to an agent request (a permission outcome, …) goes into the history of the
 * session it answers. JSON-RPC ids repeat across runtimes and ACP servers, so the session is found by
 * the connection (the runtime generation the answer went over) and the agent's session id on the
 * request, never by the id alone.
 */
function recordClientAnswer(answer: ClientAnswer & { generation: number }) {
  const sessionId = persistDriver().sessionIdForAgentSession(answer.agentSessionId, attachments().sessionsOn(answer.generation));
  if (sessionId) persistDriver().insertClientAnswer(sessionId, answer.message);
}

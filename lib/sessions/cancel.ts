import "server-only";
import type { Session } from "@/generated/prisma/client";
import { conflict } from "@/lib/errors";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { attachments, runtimeForSession, sdkForSession } from "@/lib/sessions/attachments";
import { assertWritable } from "@/lib/sessions/guards";
import { recordChange } from "@/lib/sessions/journal";
import { cancelPending } from "@/lib/sessions/permissions";
import { endTurn } from "@/lib/sessions/turns";

// Cancelling a running turn: the agent is asked to stop (the runtime manager knows how), and answers
// its prompt with stop reason `cancelled`, which ends the turn as usual (lib/sessions/turns.ts).

// A cancel can overtake its turn's prompt on the way to the agent (which then ignores it); it is
// repeated while that turn runs. The prompt itself is always sent, so the history keeps it.
const CANCEL_RETRY_MS = [300, 1_000, 3_000, 10_000];
// An agent that has not answered a cancel by then is not going to (it never got the prompt, or it
// hangs): the portal ends the turn itself so the session can be used again.
const CANCEL_GIVE_UP_MS = 15_000;

export async function cancelTurnOnOwner({ session, userId }: { session: Session; userId: string }) {
  assertWritable(session);
  const turnId = attachments().runningTurn(session.id);
  if (session.status !== "running" || !turnId) throw conflict("no_turn_running", "No turn is running in this session.");
  const sdk = await sdkForSession(session.id);
  const record = await persistDriver().getSession(session.id);
  if (!sdk || !record) throw conflict("runtime_session_gone", "The session's runtime connection is gone; it will come back as restorable.");
  const runtime = await runtimeForSession(session.id);
  const cancel = () => runtime.cancelPrompt({ agent: record.agent, agentSessionId: record.agentSessionId });

  // The turn's pending permissions are resolved as cancelled: claimed here first, so the answer is
  // recorded as this user's; answered to the agent only after the cancel (as ACP asks of a client that
  // cancels; answered first, the agent would carry on and end the turn normally).
  const claimed = await cancelPending({ sessionId: session.id, by: userId });
  if (!(await cancel())) throw conflict("runtime_session_gone", "The session's runtime connection is gone; it will come back as restorable.");
  for (const id of claimed) await sdk.rawRespondPermission(id, { outcome: { outcome: "cancelled" } }).catch(() => undefined);
  for (const delay of CANCEL_RETRY_MS) {
    setTimeout(() => {
      if (attachments().runningTurn(session.id) === turnId) void cancel().catch(() => undefined);
    }, delay).unref();
  }
  setTimeout(() => {
    if (attachments().runningTurn(session.id) === turnId) void endTurn(session.id, turnId, "cancelled");
  }, CANCEL_GIVE_UP_MS).unref();
  return recordChange({
    sessionId: session.id,
    event: [],
    audit: { actorId: userId, action: "session.cancel", detail: { turnId } },
  });
}

/**
 * The database has been away so long that the event queue passed its budget: cancel the running
 * turns so it stops growing. They end with stop reason `paused` once their events are stored.
 */
export async function pauseRunningTurns() {
  for (const { sessionId } of attachments().runningTurns()) {
    attachments().pauseTurn(sessionId);
    const record = await persistDriver()
      .getSession(sessionId)
      .catch(() => undefined);
    if (record) await (await runtimeForSession(sessionId)).cancelPrompt({ agent: record.agent, agentSessionId: record.agentSessionId }).catch(() => undefined);
  }
}

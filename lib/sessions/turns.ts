import "server-only";
import { randomUUID } from "node:crypto";
import type { Session } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import { conflict, rateLimited, unprocessable } from "@/lib/errors";
import { env } from "@/lib/env";
import { SEED_META_KEY } from "@/lib/events/classify";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { attachments, runtimeForSession, sdkForSession } from "@/lib/sessions/attachments";
import { assertNoTurnRunning, assertWritable } from "@/lib/sessions/guards";
import { recordChange } from "@/lib/sessions/journal";
import { cancelPending } from "@/lib/sessions/permissions";
import type { ContentBlock } from "@/lib/sessions/prompt-content";
import { restoreSession } from "@/lib/sessions/restore";
import { runtimeError } from "@/lib/sessions/runtime-errors";
import { emitSessionWebhook } from "@/lib/webhooks/emit";
import { errorField, logger } from "@/lib/log";
import { maybeSandboxPool } from "@/lib/sandboxes/pool";
import { outsideWorkspaceMessage, sandboxOfSession, workspacePathOfUri } from "@/lib/sandboxes/sandboxes";

const log = logger("turns");

// A turn: the prompt is accepted (202) once the change that marks the session running commits (a
// claim: only an idle session with no turn starts one); the runtime call goes on in the background
// and its end is a `turn_ended` change that returns the session to idle.

export async function promptSessionOnOwner({ session, userId, content }: { session: Session; userId: string; content: ContentBlock[] }) {
  assertWritable(session);
  assertNoTurnRunning(session);
  if (session.status === "restorable" || session.status === "offline" || !(await sdkForSession(session.id))) await restoreSession(session, userId);
  await checkResourceLinks(session.id, content);

  const turnId = randomUUID();
  const started = await recordChange({
    sessionId: session.id,
    claim: "idle",
    event: { type: "status", status: "running" },
    effects: { status: "running", currentTurnId: turnId },
    audit: { actorId: userId, action: "session.prompt", detail: { turnId } },
  });
  if (!started) {
    // Not started: either the session is no longer idle, or its team already runs its cap of turns.
    const now = await db().session.findUnique({ where: { id: session.id }, select: { status: true, currentTurnId: true } });
    if (now?.status === "idle" && !now.currentTurnId) {
      const cap = env().PORTAL_MAX_RUNNING_TURNS_PER_TEAM;
      throw rateLimited(`The team already runs ${cap} turns at once; wait for one to end.`, 5, "team_turn_limit");
    }
    throw conflict("turn_running", "The session is not ready for a prompt (a turn is running or it was destroyed).");
  }
  attachments().startTurn(session.id, turnId, userId);
  void runTurn(session.id, turnId, content);
  return { turnId, session: started };
}

async function runTurn(sessionId: string, turnId: string, content: ContentBlock[]) {
  let stopReason = "error";
  try {
    const sdk = await sdkForSession(sessionId);
    if (!sdk) throw new Error("the session is not attached to the runtime");
    const seed = attachments().takeSeed(sessionId);
    const prompt = seed ? [{ type: "text", text: seed, _meta: { [SEED_META_KEY]: true } }, ...content] : content;
    const { response } = await sdk.rawSendSessionMethod(sessionId, "session/prompt", { prompt });
    const reason = (response as { stopReason?: unknown } | undefined)?.stopReason;
    stopReason = typeof reason === "string" ? reason : "end_turn";
  } catch (error) {
    // A prompt that failed because its connection died is that connection's loss, and the notice
    // of it (a failed POST, or the runtime's agent_exited frame on the stream) may trail the failure:
    // let the stream settle and the loss be judged first, so the turn ends interrupted, not failed.
    await persistDriver().settled(sessionId);
    await (await runtimeForSession(sessionId).catch(() => null))?.lossesJudged();
    if (attachments().runningTurn(sessionId) !== turnId) return; // already ended (runtime lost, destroyed)
    log.error({ sessionId, turnId, err: errorField(error) }, "turn failed");
  }
  await endTurn(sessionId, turnId, stopReason);
}

/** Ends a turn that is still running: its unanswered permission requests are cancelled, then `turn_ended`. */
export async function endTurn(sessionId: string, turnId: string, stopReason: string) {
  // No signal says that the turn's last updates have arrived: runtime 0.4.2 answers session/prompt
  // in the POST body, while the updates the agent wrote before that answer travel on the SSE stream
  // of another connection and carry ids the answer does not refer to. So: wait for the stream to go
  // quiet for this session (lib/runtime/persist-driver.ts settled()).
  await persistDriver().settled(sessionId);
  const ended = attachments().endTurn(sessionId, turnId);
  if (!ended) return;
  // Its sandbox is idle now, and may make room for a start waiting in line.
  maybeSandboxPool()?.nudge();
  const reason = ended.paused ? "paused" : stopReason;
  // A request the agent stopped waiting for (the turn is over) is answered as cancelled, visibly.
  await cancelPending({ sessionId, turnId });
  const recorded = recordChange({
    sessionId,
    event: { type: "turn_ended", turnId, stopReason: reason },
    effects: { status: "idle", lastStopReason: reason, currentTurnId: null },
  });
  void recorded.then(
    async (session) => {
      if (!session) return;
      await emitSessionWebhook({ sessionId, event: "turn.ended", data: { turnId, stopReason: reason } });
      if (reason === "error") await emitSessionWebhook({ sessionId, event: "session.failed", data: { turnId, reason: "the turn failed" } });
    },
    () => undefined,
  );
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

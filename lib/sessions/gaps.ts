import "server-only";
import type { GapReport } from "@/lib/runtime/observed-fetch";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { recordPortalEvent } from "@/lib/sessions/portal-events";
import { links } from "@/lib/sessions/runtime-link";

// The runtime dropped messages that its replay buffer no longer held. They belong to the session of
// the message that revealed the gap (the runtime's stream is per agent connection; with one turn
// streaming, that is the session that lost them). Recorded synchronously, before the frames after
// the gap are handed on, so the gap event sits where the loss happened. History never hides a loss.

export function attributeGap(report: GapReport) {
  const sessionId = persistDriver().sessionIdForMessage(report.nextMessage) ?? [...links.runningTurns.keys()][0] ?? null;
  if (!sessionId) {
    console.error(`[runtime] ${report.missing} message(s) lost on ${report.serverId} could not be attributed to a session`);
    return;
  }
  recordPortalEvent(sessionId, { type: "gap", missing: report.missing });
}

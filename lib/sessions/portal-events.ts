import "server-only";
import { portalEventEndsMessage } from "@/lib/events/classify";
import type { PortalEventPayload } from "@/lib/events/types";
import { eventWriter, type SessionEffects } from "@/lib/events/writer";

// Portal events share the session's history and index sequence with the runtime's messages; the
// session changes they announce commit in the same transaction.

export function recordPortalEvent(sessionId: string, payload: PortalEventPayload, effects?: SessionEffects) {
  return eventWriter().enqueue({
    sessionId,
    sender: "portal",
    payload,
    createdAt: new Date(),
    effects,
    endsMessage: portalEventEndsMessage(payload),
  });
}

export function recordStatus(sessionId: string, status: NonNullable<SessionEffects["status"]>, effects: SessionEffects = {}) {
  return recordPortalEvent(sessionId, { type: "status", status }, { ...effects, status });
}

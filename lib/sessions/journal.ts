import "server-only";
import type { Session } from "@/generated/prisma/client";
import type { AuditAction } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { ApiError, databaseUnavailable } from "@/lib/errors";
import { portalEventEndsMessage } from "@/lib/events/classify";
import type { PortalEventPayload, SessionEffects } from "@/lib/events/types";
import { currentClientIp } from "@/lib/http/request-context";
import { eventWriter, type PermissionRequestRow, type PermissionResolutionRow } from "@/lib/events/writer";

// The one way to change a session. A change is its portal event(s), the session columns they imply,
// the permission rows it creates or resolves and its audit entry; it is queued behind the session's
// mirrored runtime events and committed by the writer's single batch statement, so all of it is
// stored or none is (lib/events/writer.ts). Nothing else writes a session's status, turn, settings,
// permission status or session audit entries. An optimistic claim ("only if the session is idle",
// "only if the permission is still pending") is part of the change and checked by that statement.

export type SessionClaim = "idle" | "permission";

export interface SessionChange {
  sessionId: string;
  /** The change's events, in order (none: an audit entry alone); the effects apply with the last of them. */
  event: PortalEventPayload | PortalEventPayload[];
  effects?: SessionEffects;
  permissions?: { requests?: PermissionRequestRow[]; resolutions?: PermissionResolutionRow[] };
  audit?: { actorId: string | null; action: AuditAction; targetType?: "session" | "permission" | "sandbox"; targetId?: string; detail?: unknown };
  /** Commit only where this holds; the change then resolves to null and leaves nothing. */
  claim?: SessionClaim;
}

// A caller must not wait forever for a database that is away; the change stays queued and commits later.
const COMMIT_WAIT_MS = 15_000;

/**
 * Queues the change now (so it keeps its place among the session's events) and resolves with the
 * session row once it is committed, or null when its claim did not hold or the session is gone.
 * Callers that do not wait may drop the promise: its rejection is handled here.
 */
export function recordChange(change: SessionChange): Promise<Session | null> {
  const events = (Array.isArray(change.event) ? change.event : [change.event]).map((payload) => ({
    payload,
    endsMessage: portalEventEndsMessage(payload),
  }));
  const silent = events.length === 0;
  if (silent && (change.effects || change.permissions)) throw new Error("a change of session columns or permissions needs its event");
  const first = events[0] ?? { payload: null as unknown, endsMessage: false };
  const more = events.slice(1);
  if (change.claim === "permission" && change.permissions?.resolutions?.length !== 1) throw new Error("a permission claim resolves exactly one permission");
  const last = more.at(-1) ?? first;
  const effects = change.effects;

  const settled = new Promise<"stored" | "skipped" | "refused">((resolve, reject) => {
    const timer = setTimeout(() => reject(databaseUnavailable()), COMMIT_WAIT_MS);
    timer.unref();
    eventWriter().enqueue({
      sessionId: change.sessionId,
      sender: "portal",
      createdAt: new Date(),
      ...first,
      ...(last === first ? { effects } : {}),
      change: {
        silent,
        claim: change.claim,
        more: more.map((event) => (event === last ? { ...event, effects } : event)),
        requests: change.permissions?.requests,
        resolutions: change.permissions?.resolutions,
        audit: change.audit && [
          {
            actorId: change.audit.actorId,
            action: change.audit.action,
            targetType: change.audit.targetType ?? "session",
            targetId: change.audit.targetId ?? change.sessionId,
            detail: change.audit.detail,
            // Read now, inside the request; the writer commits later, outside it.
            ip: currentClientIp(),
          },
        ],
        settle: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      },
    });
  });
  const committed = settled.then(async (outcome) => {
    if (outcome === "refused") throw new ApiError("internal", "The database refused this change.");
    if (outcome === "skipped") return null;
    return db().session.findUnique({ where: { id: change.sessionId } });
  });
  committed.catch(() => undefined);
  return committed;
}

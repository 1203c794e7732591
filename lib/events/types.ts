// The mirrored history as the contract shows it: `{index, sender, createdAt, payload}`.

export type EventSender = "client" | "agent" | "portal";

export interface StoredEvent {
  index: number;
  sender: EventSender;
  createdAt: string;
  payload: unknown;
}

export type PortalEventPayload =
  | { type: "status"; status: string }
  | { type: "turn_ended"; turnId: string; stopReason: string }
  | { type: "permission_requested"; permissionId: string; toolCall: unknown; options: unknown }
  | { type: "permission_resolved"; permissionId: string; reply: string; by: string | null }
  | { type: "restored"; fromIndex: number }
  /** Messages that were lost: dropped by the runtime before the portal read them, or refused by the database. */
  | { type: "gap"; missing: number; cause?: "database" }
  | { type: "config_changed"; field: string; value: string; by: string | null };

/** What a session is doing; the row's `status` column. */
export type SessionStatusValue = "idle" | "running" | "restorable" | "offline" | "destroyed";

/** The session columns an event implies, applied by the statement that stores it (absent keys stay as they are). */
export interface SessionEffects {
  status?: SessionStatusValue;
  lastStopReason?: string | null;
  usage?: unknown;
  title?: string;
  mode?: string | null;
  model?: string | null;
  thoughtLevel?: string | null;
  modes?: unknown;
  configOptions?: unknown;
  currentTurnId?: string | null;
  destroyedAt?: string;
}

export const NOTIFY_CHANNEL = "portal_events";

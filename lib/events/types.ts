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

export const NOTIFY_CHANNEL = "portal_events";

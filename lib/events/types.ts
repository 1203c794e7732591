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
  | { type: "gap"; missing: number }
  | { type: "config_changed"; field: string; value: string; by: string | null };

export const NOTIFY_CHANNEL = "portal_events";

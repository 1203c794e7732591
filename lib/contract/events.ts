import type { PermissionOutcome } from "@/lib/contract/permissions";
import type { StoredSessionStatus } from "@/lib/contract/sessions";

// Event JSON, the mirrored history: `{index, sender, createdAt, payload}`. `payload` is the
// runtime's raw JSON-RPC message (sender client/agent) or one of the portal's own events.

export const EVENT_SENDERS = ["client", "agent", "portal"] as const;
export type EventSender = (typeof EVENT_SENDERS)[number];

export interface EventJson {
  index: number;
  sender: EventSender;
  createdAt: string;
  payload: unknown;
}

export type PortalEventPayload =
  | { type: "status"; status: StoredSessionStatus }
  | { type: "turn_ended"; turnId: string; stopReason: string }
  | { type: "permission_requested"; permissionId: string; toolCall: unknown; options: unknown }
  | { type: "permission_resolved"; permissionId: string; reply: PermissionOutcome; by: string | null }
  | { type: "restored"; fromIndex: number }
  /** Messages that were lost: dropped by the runtime before the portal read them, or refused by the database. */
  | { type: "gap"; missing: number; cause?: "database" }
  | { type: "config_changed"; field: string; value: string; by: string | null }
  /** A member pushed the workspace's changes to a branch of its repository. */
  | { type: "pushed"; branch: string; commit: string; compareUrl: string | null; by: string };

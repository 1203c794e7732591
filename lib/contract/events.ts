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
  // load: the agent took its own session back (ACP session/load) with its full memory; replay: a new
  // agent session, told the conversation so far in front of the next prompt.
  | { type: "restored"; fromIndex: number; method?: "load" | "replay" }
  /** Messages that were lost: dropped by the runtime before the portal read them, or refused by the database. */
  | { type: "gap"; missing: number; cause?: "database" }
  | { type: "config_changed"; field: string; value: string; by: string | null }
  /** The gateway refused a model call: the team's or the member's budget for the month is spent. */
  | { type: "budget_reached"; scope: "team" | "member"; message: string }
  /** The sandbox hit one of its limits and its runtime was stopped: `detail` says which, e.g. "out of memory: 2 GiB" (the contract's shape). */
  | { type: "limit"; limit: "memory" | "pids" | "disk" | "tmp"; detail: string }
  /**
   * A start of the session's sandbox waits in line for a slot (PORTAL_SANDBOX_MAX_RUNNING, the team's
   * share): `position` 1 is next; 0 once it has one. A wait past PORTAL_SANDBOX_QUEUE_SECONDS ends in 503 sandboxes_busy.
   */
  | { type: "sandbox_queue"; position: number }
  /** A member pushed the workspace's changes to a branch of its repository. */
  | { type: "pushed"; branch: string; commit: string; compareUrl: string | null; by: string };

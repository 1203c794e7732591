// The subset of Agent Client Protocol (ACP) shapes this agent produces.
// Hand-written rather than imported from @agentclientprotocol/sdk because that
// package is only a transitive dependency of the portal; field names follow the
// ACP schema shipped with sandbox-agent 0.4.2 (schema/types.gen.d.ts).

export type StopReason = "end_turn" | "max_tokens" | "max_turn_requests" | "refusal" | "cancelled";

export interface TextContent {
  type: "text";
  text: string;
}

export interface ContentBlockLike {
  type?: unknown;
  text?: unknown;
}

export interface SessionMode {
  id: string;
  name: string;
  description?: string | null;
}

export interface SessionModeState {
  currentModeId: string;
  availableModes: SessionMode[];
}

export interface SessionConfigSelectOption {
  value: string;
  name: string;
  description?: string | null;
}

/** ACP "select" session config option (the only kind this agent offers). */
export interface SessionConfigOption {
  id: string;
  name: string;
  description?: string | null;
  category?: string | null;
  type: "select";
  currentValue: string;
  options: SessionConfigSelectOption[];
}

export type ToolKind = "read" | "edit" | "delete" | "move" | "search" | "execute" | "think" | "fetch" | "switch_mode" | "other";

export type ToolCallStatus = "pending" | "in_progress" | "completed" | "failed";

export type ToolCallContent = { type: "content"; content: TextContent } | { type: "diff"; path: string; oldText: string | null; newText: string };

export interface PlanEntry {
  content: string;
  priority: "high" | "medium" | "low";
  status: "pending" | "in_progress" | "completed";
}

export type PermissionOptionKind = "allow_once" | "allow_always" | "reject_once" | "reject_always";

export interface PermissionOption {
  optionId: string;
  name: string;
  kind: PermissionOptionKind;
}

/** Payloads of `session/update` notifications, discriminated by `sessionUpdate`. */
export type SessionUpdate =
  | { sessionUpdate: "agent_message_chunk" | "agent_thought_chunk"; content: TextContent }
  | { sessionUpdate: "plan"; entries: PlanEntry[] }
  | {
      sessionUpdate: "tool_call";
      toolCallId: string;
      title: string;
      kind: ToolKind;
      status: ToolCallStatus;
      locations?: Array<{ path: string }>;
      rawInput?: unknown;
    }
  | {
      sessionUpdate: "tool_call_update";
      toolCallId: string;
      status: ToolCallStatus;
      content?: ToolCallContent[];
      rawOutput?: unknown;
    }
  | { sessionUpdate: "current_mode_update"; currentModeId: string }
  | { sessionUpdate: "config_option_update"; configOptions: SessionConfigOption[] }
  | {
      sessionUpdate: "usage_update";
      used: number;
      size: number;
      cost?: { amount: number; currency: string } | null;
    };

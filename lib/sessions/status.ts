// Session statuses as the API and the pages show them (no server-only: components use it too).
// `awaiting_input` is not stored: it is a running session with a pending permission.

export const SESSION_STATUSES = ["idle", "running", "awaiting_input", "restorable", "offline", "destroyed"] as const;
export type SessionListStatus = (typeof SESSION_STATUSES)[number];

export const STATUS_LABEL: Record<SessionListStatus, string> = {
  idle: "Idle",
  running: "Running",
  awaiting_input: "Needs you",
  restorable: "Restorable",
  offline: "Offline",
  destroyed: "Destroyed",
};

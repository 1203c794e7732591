import type { PermissionJson } from "@/lib/contract/permissions";

// Session JSON as the API contract shows it (its "Sessions" section), for the route
// serializers (lib/sessions/serialize.ts) and the pages' components alike. No server-only, no Prisma.

/** What the row's `status` column holds. */
export const STORED_SESSION_STATUSES = ["idle", "running", "restorable", "offline", "destroyed"] as const;
export type StoredSessionStatus = (typeof STORED_SESSION_STATUSES)[number];

/** What the API and the pages show: `awaiting_input` is a running session with a pending permission (not stored). */
export const SESSION_STATUSES = ["idle", "running", "awaiting_input", "restorable", "offline", "destroyed"] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const STATUS_LABEL: Record<SessionStatus, string> = {
  idle: "Idle",
  running: "Running",
  awaiting_input: "Needs you",
  restorable: "Restorable",
  offline: "Offline",
  destroyed: "Destroyed",
};

export function isSessionStatus(value: unknown): value is SessionStatus {
  return typeof value === "string" && (SESSION_STATUSES as readonly string[]).includes(value);
}

/**
 * The status people see: a running turn that waits on a permission answer is `awaiting_input`. The
 * one derivation of it, for the API's JSON, the pages, and the session view's live status alike.
 */
export function publicStatus(status: StoredSessionStatus, pendingCount: number): SessionStatus {
  return status === "running" && pendingCount > 0 ? "awaiting_input" : status;
}

/** The stored status behind a shown one (`awaiting_input` is a running session). */
export function storedStatusOf(status: SessionStatus): StoredSessionStatus {
  return status === "awaiting_input" ? "running" : status;
}

/**
 * The status as it looks: a restorable session whose last turn was not cut off is, for the person,
 * simply idle (it resumes on the next prompt); only a cut-off turn makes it look paused.
 */
export function displayStatus(status: SessionStatus, lastStopReason: string | null | undefined): SessionStatus {
  return status === "restorable" && lastStopReason !== "interrupted" ? "idle" : status;
}

export interface UsageJson extends Partial<GatewayUsageJson> {
  used: number | null;
  size: number | null;
  cost: { amount: number; currency: string } | null;
}

/** What the model gateway recorded for a session (in a single session's JSON — GET, PATCH, resume — when it made calls; not in lists). */
export interface GatewayUsageJson {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

// The agent's own ACP shapes (session/new, config_option_update, current_mode_update), as reported.
export interface ConfigValueJson {
  value: string;
  name: string;
  description?: string | null;
}

export interface ConfigValueGroupJson {
  group: string;
  name: string;
  options: ConfigValueJson[];
}

export interface ConfigOptionJson {
  id: string;
  name: string;
  description?: string | null;
  category?: string | null;
  type?: "select" | "boolean";
  currentValue?: string | boolean | null;
  options?: Array<ConfigValueJson | ConfigValueGroupJson>;
}

export interface SessionModesJson {
  currentModeId?: string;
  availableModes?: Array<{ id: string; name: string; description?: string | null }>;
}

/** A select option's values with groups flattened (empty for a boolean option). */
export function configValues(option: ConfigOptionJson): ConfigValueJson[] {
  return (option.options ?? []).flatMap((entry) => ("group" in entry ? entry.options : [entry]));
}

export interface SessionJson {
  id: string;
  teamId: string;
  title: string;
  agent: string;
  status: SessionStatus;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  model: string | null;
  mode: string | null;
  thoughtLevel: string | null;
  lastStopReason: string | null;
  eventCount: number;
  usage: UsageJson | null;
  pendingPermissions: PermissionJson[];
  sandboxId: string | null;
  cwd: string | null;
  archivedAt: string | null;
}

/** One session (GET /api/sessions/:id): also the modes and config options the agent last reported. */
export interface SessionDetailJson extends SessionJson {
  modes: SessionModesJson | null;
  configOptions: ConfigOptionJson[];
}

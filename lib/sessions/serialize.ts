import "server-only";
import type { Permission, Session } from "@/generated/prisma/client";
import type { PermissionJson } from "@/lib/contract/permissions";
import { publicStatus, type ConfigOptionJson, type SessionDetailJson, type SessionJson, type UsageJson, type GatewayUsageJson } from "@/lib/contract/sessions";
import { currentSettingsView } from "@/lib/sessions/config-values";

// Session and permission JSON exactly as the contract types say (lib/contract). A single session
// (not list items) also carries the modes and config options the agent last reported.

export function permissionJson(permission: Pick<Permission, "id" | "createdAt" | "toolCall" | "options">): PermissionJson {
  return {
    id: permission.id,
    createdAt: permission.createdAt.toISOString(),
    // Written by the portal from the agent's request (lib/sessions/permissions.ts), in these shapes.
    toolCall: permission.toolCall as PermissionJson["toolCall"],
    options: Array.isArray(permission.options) ? (permission.options as unknown[]).filter(isOption) : [],
  };
}

export function sessionJson(session: Session, pendingPermissions: Permission[] = []): SessionJson {
  return {
    id: session.id,
    teamId: session.teamId,
    title: session.title,
    agent: session.agent,
    status: publicStatus(session.status, pendingPermissions.length),
    createdBy: session.createdById,
    createdAt: session.createdAt.toISOString(),
    updatedAt: session.updatedAt.toISOString(),
    model: session.model,
    mode: session.mode,
    thoughtLevel: session.thoughtLevel,
    lastStopReason: session.lastStopReason,
    eventCount: session.eventCount,
    // Written from the agent's usage_update in this shape (lib/events/classify.ts).
    usage: (session.usage ?? null) as UsageJson | null,
    pendingPermissions: pendingPermissions.map(permissionJson),
    sandboxId: session.sandboxId,
    cwd: session.cwd,
    archivedAt: session.archivedAt?.toISOString() ?? null,
  };
}

/** `gateway`: what the model gateway recorded for the session (lib/usage), added to the agent's own usage. */
export function sessionDetailJson(session: Session, pendingPermissions: Permission[] = [], gateway: GatewayUsageJson | null = null): SessionDetailJson {
  const { configOptions, modes } = currentSettingsView(session, session.configOptions, session.modes);
  const json = sessionJson(session, pendingPermissions);
  const usage = gateway ? { ...(json.usage ?? { used: null, size: null, cost: null }), ...gateway } : json.usage;
  // Stored as the agent reported them (ACP SessionConfigOption / SessionModeState), checked by asConfigOptions.
  return { ...json, usage, configOptions: configOptions as ConfigOptionJson[], modes: modes ?? null };
}

function isOption(value: unknown): value is PermissionJson["options"][number] {
  const option = value as Record<string, unknown> | null;
  return (
    typeof option === "object" && option !== null && typeof option.optionId === "string" && typeof option.name === "string" && typeof option.kind === "string"
  );
}

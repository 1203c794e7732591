import "server-only";
import type { Permission, Session } from "@/generated/prisma/client";
import { currentSettingsView } from "@/lib/sessions/config-values";

// Session and permission JSON exactly as the contract shows them. A single session (not list items)
// also carries the modes and config options the agent last reported.

export function permissionJson(permission: Pick<Permission, "id" | "createdAt" | "toolCall" | "options">) {
  return {
    id: permission.id,
    createdAt: permission.createdAt.toISOString(),
    // Written by the portal from the agent's request (runtime-link.ts), in these shapes.
    toolCall: permission.toolCall as { title?: string; kind?: string; rawInput?: unknown },
    options: permission.options as Array<{ optionId: string; name: string; kind: string }>,
  };
}

/** The status people see: a running turn that waits on a permission answer is `awaiting_input`. */
export function publicStatus(status: Session["status"], pendingCount: number) {
  return status === "running" && pendingCount > 0 ? "awaiting_input" : status;
}

export function sessionJson(session: Session, pendingPermissions: Permission[] = [], options: { detail?: boolean } = {}) {
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
    usage: session.usage ?? null,
    pendingPermissions: pendingPermissions.map(permissionJson),
    sandboxId: session.sandboxId,
    cwd: session.cwd,
    archivedAt: session.archivedAt?.toISOString() ?? null,
    ...(options.detail ? currentSettingsView(session, session.configOptions, session.modes) : {}),
  };
}

import "server-only";
import type { Role } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import { forbidden, notFound } from "@/lib/errors";
import { isStorable } from "@/lib/sessions/stored-text";
import { roleAtLeast } from "@/lib/teams/access";

// Sessions are scoped by team membership: another team's session is simply not found.

export async function getSessionForUser({ sessionId, userId }: { sessionId: string; userId: string }) {
  if (!isStorable(sessionId)) return null;
  const session = await db().session.findUnique({ where: { id: sessionId } });
  if (!session) return null;
  const membership = await db().membership.findUnique({ where: { teamId_userId: { teamId: session.teamId, userId } }, select: { role: true } });
  if (!membership) return null;
  return { session, role: membership.role };
}

export async function requireSession({ sessionId, userId, role = "viewer" }: { sessionId: string; userId: string; role?: Role }) {
  const found = await getSessionForUser({ sessionId, userId });
  if (!found) throw notFound("Session");
  if (!roleAtLeast(found.role, role)) throw forbidden(`This needs the ${role} role in the session's team; you are ${found.role}.`);
  return found;
}

export function pendingPermissions(sessionId: string) {
  return db().permission.findMany({ where: { sessionId, status: "pending" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

/** Pending permissions of several sessions (a list page), oldest first per session. */
export async function pendingPermissionsBySession(sessionIds: string[]) {
  const rows = sessionIds.length === 0 ? [] : await db().permission.findMany({ where: { sessionId: { in: sessionIds }, status: "pending" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  const bySession = new Map<string, typeof rows>();
  for (const row of rows) bySession.set(row.sessionId, [...(bySession.get(row.sessionId) ?? []), row]);
  return bySession;
}

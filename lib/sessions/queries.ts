import "server-only";
import { db } from "@/lib/db/client";

// The pending permissions of a session, or of a page of sessions. (Which sessions a caller reaches is
// lib/teams/membership.ts.)

export function pendingPermissions(sessionId: string) {
  return db().permission.findMany({ where: { sessionId, status: "pending" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

/** Pending permissions of several sessions (a list page), oldest first per session. */
export async function pendingPermissionsBySession(sessionIds: string[]) {
  const rows =
    sessionIds.length === 0
      ? []
      : await db().permission.findMany({ where: { sessionId: { in: sessionIds }, status: "pending" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  const bySession = new Map<string, typeof rows>();
  for (const row of rows) bySession.set(row.sessionId, [...(bySession.get(row.sessionId) ?? []), row]);
  return bySession;
}

import "server-only";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { endSignInSessionsOf } from "@/lib/auth/sign-in-sessions";
import { db } from "@/lib/db/client";
import { newestFirst } from "@/lib/db/keyset";
import { notFound, unprocessable } from "@/lib/errors";
import { teamRole } from "@/lib/teams/membership";

// The signed-in person's own account: name, remembered team, password, sign-ins.

export async function updateAccount({ userId, name, activeTeamId }: { userId: string; name?: string; activeTeamId?: string | null }) {
  if (activeTeamId) {
    const member = await teamRole({ userId, teamId: activeTeamId });
    if (!member) throw notFound("Team");
  }
  const user = await db().user.update({
    where: { id: userId },
    data: { ...(name !== undefined ? { name } : {}), ...(activeTeamId !== undefined ? { activeTeamId } : {}) },
    select: { id: true, email: true, name: true, activeTeamId: true },
  });
  return user;
}

/** Changes the password (the current one must match) and ends every other sign-in of the account. */
export async function changePassword({
  userId,
  currentPassword,
  newPassword,
  keepSignInSessionId,
}: {
  userId: string;
  currentPassword: string;
  newPassword: string;
  keepSignInSessionId?: string;
}) {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
  if (!(await verifyPassword(currentPassword, user.passwordHash))) {
    throw unprocessable("The current password is not right.", [{ path: "currentPassword", message: "does not match" }]);
  }
  const passwordHash = await hashPassword(newPassword);
  await db().user.update({ where: { id: userId }, data: { passwordHash } });
  await endSignInSessionsOf({ userId, keep: keepSignInSessionId });
}

export async function signOutEverywhere({ userId, keepSignInSessionId }: { userId: string; keepSignInSessionId?: string }) {
  await endSignInSessionsOf({ userId, keep: keepSignInSessionId });
}

/** The account's sign-in attempts, good and failed, newest first. */
export async function listSignIns({ userId, cursor, limit }: { userId: string; cursor?: string; limit: number }) {
  const keys = newestFirst("at", { cursor, limit });
  const rows = await db().signInAttempt.findMany({ where: { userId, ...keys.where }, orderBy: keys.orderBy, take: keys.take });
  return keys.page(rows, (row) => ({ id: row.id, at: row.at.toISOString(), ok: row.ok, reason: row.reason, ip: row.ip, userAgent: row.userAgent }));
}

/** How people are named in lists ("by whom"): their name, or their email when they gave none. */
export async function displayNames(userIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)];
  const users = ids.length === 0 ? [] : await db().user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, email: true } });
  return new Map(users.map((user) => [user.id, user.name || user.email]));
}

import "server-only";
import type { Role } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import { forbidden, notFound } from "@/lib/errors";

// Roles, weakest first. Other teams are invisible: not being a member is a 404, never a 403.

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function roleAtLeast(role: Role, needed: Role) {
  return RANK[role] >= RANK[needed];
}

export async function teamRole({ userId, teamId }: { userId: string; teamId: string }): Promise<Role | null> {
  const membership = await db().membership.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { role: true } });
  return membership?.role ?? null;
}

export async function requireTeamRole({ userId, teamId, role, what = "Team" }: { userId: string; teamId: string; role: Role; what?: string }) {
  const actual = await teamRole({ userId, teamId });
  if (!actual) throw notFound(what);
  if (!roleAtLeast(actual, role)) throw forbidden(`This needs the ${role} role in the team; you are ${actual}.`);
  return actual;
}

/** The user's teams, the one they chose (Teams → Switch) first, then in the order they joined. */
export async function listTeamsOf(userId: string) {
  const [memberships, user] = await Promise.all([
    db().membership.findMany({ where: { userId }, include: { team: true }, orderBy: { createdAt: "asc" } }),
    db().user.findUnique({ where: { id: userId }, select: { activeTeamId: true } }),
  ]);
  const teams = memberships.map((membership) => ({ id: membership.team.id, name: membership.team.name, role: membership.role }));
  const chosen = teams.findIndex((team) => team.id === user?.activeTeamId);
  if (chosen > 0) teams.unshift(...teams.splice(chosen, 1));
  return teams;
}

/** The team the user switched to, while they are still in it; null when they never chose one. */
export async function chosenTeamOf(userId: string): Promise<string | null> {
  const user = await db().user.findUnique({ where: { id: userId }, select: { activeTeamId: true } });
  if (!user?.activeTeamId) return null;
  return (await teamRole({ userId, teamId: user.activeTeamId })) ? user.activeTeamId : null;
}

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

export async function listTeamsOf(userId: string) {
  const memberships = await db().membership.findMany({ where: { userId }, include: { team: true }, orderBy: { createdAt: "asc" } });
  return memberships.map((membership) => ({ id: membership.team.id, name: membership.team.name, role: membership.role }));
}

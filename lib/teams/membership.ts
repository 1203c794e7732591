import "server-only";
import { notFound as notFoundPage } from "next/navigation";
import { cache } from "react";
import type { Prisma, Sandbox, Session } from "@/generated/prisma/client";
import { leastRoleFor, may, type Ability, type Role } from "@/lib/contract/roles";
import { db } from "@/lib/db/client";
import { modelColumns } from "@/lib/db/model-columns";
import { forbidden, roleTooLow } from "@/lib/errors";
import { isStorableText } from "@/lib/api/input-rule";

// Every read of who is in which team with which role. Other teams are invisible: not being a member
// is "not found", never "forbidden". The route wrapper (lib/api/with-route.ts) and the pages resolve
// a session, sandbox or team together with the caller's role here, in one statement each.

export type { Role };

export type Client = Prisma.TransactionClient | ReturnType<typeof db>;

/** Throws 403 role_too_low unless `role` may do `ability` (lib/contract/roles.ts); `own`: to something the caller created. */
export function assertMay(role: Role, ability: Ability, { own = false, where = "the team" } = {}) {
  if (may(role, ability, { own })) return;
  const needed = leastRoleFor(ability, { own });
  if (!own && may(role, ability, { own: true }))
    throw forbidden(`You may do this only to your own; to others' it needs the ${needed} role in ${where}, and you are ${role}.`, "role_too_low");
  throw roleTooLow(needed, role, where);
}

/** The Prisma filter for rows of a team the user is in (sessions, sandboxes, permissions via session). */
export const inTeamsOf = (userId: string) => ({ team: { memberships: { some: { userId } } } });

const idLike = (id: string) => id.length > 0 && id.length <= 200 && isStorableText(id);

export async function sessionAccess({ sessionId, userId }: { sessionId: string; userId: string }): Promise<{ session: Session; role: Role } | null> {
  if (!idLike(sessionId)) return null;
  const [row] = await db().$queryRawUnsafe<Array<Session & { callerRole: Role }>>(
    `SELECT ${modelColumns("Session", "s")}, m.role::text AS "callerRole" FROM sessions s JOIN memberships m ON m.team_id = s.team_id AND m.user_id = $2 WHERE s.id = $1`,
    sessionId,
    userId,
  );
  if (!row) return null;
  const { callerRole, ...session } = row;
  return { session, role: callerRole };
}

export type SandboxWithSessions = Sandbox & { sessionIds: string[] };

export async function sandboxAccess({
  sandboxId,
  userId,
}: {
  sandboxId: string;
  userId: string;
}): Promise<{ sandbox: SandboxWithSessions; role: Role } | null> {
  if (!idLike(sandboxId)) return null;
  const [row] = await db().$queryRawUnsafe<Array<SandboxWithSessions & { callerRole: Role }>>(
    `SELECT ${modelColumns("Sandbox", "b")}, m.role::text AS "callerRole",
            ARRAY(SELECT se.id FROM sessions se WHERE se.sandbox_id = b.id ORDER BY se.created_at, se.id) AS "sessionIds"
       FROM sandboxes b JOIN memberships m ON m.team_id = b.team_id AND m.user_id = $2 WHERE b.id = $1`,
    sandboxId,
    userId,
  );
  if (!row) return null;
  const { callerRole, ...sandbox } = row;
  return { sandbox, role: callerRole };
}

export interface TeamRef {
  id: string;
  name: string;
}

export async function teamAccess({ teamId, userId }: { teamId: string; userId: string }): Promise<{ team: TeamRef; role: Role } | null> {
  if (!idLike(teamId)) return null;
  const [row] = await db().$queryRaw<
    Array<TeamRef & { role: Role }>
  >`SELECT t.id, t.name, m.role::text AS role FROM teams t JOIN memberships m ON m.team_id = t.id AND m.user_id = ${userId} WHERE t.id = ${teamId}`;
  return row ? { team: { id: row.id, name: row.name }, role: row.role } : null;
}

export async function teamRole({ userId, teamId }: { userId: string; teamId: string }): Promise<Role | null> {
  if (!idLike(teamId)) return null;
  const membership = await db().membership.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { role: true } });
  return membership?.role ?? null;
}

/** The role of an enabled account in the team, or null (live streams re-check it when memberships change). */
export async function watchingRole({ teamId, userId }: { teamId: string; userId: string }): Promise<Role | null> {
  // A disabled account keeps its memberships but may watch nothing.
  const membership = await db().membership.findFirst({ where: { teamId, userId, user: { disabledAt: null } }, select: { role: true } });
  return membership?.role ?? null;
}

/** The ids of the user's teams (inside a transaction when given one). */
export async function teamIdsOf(userId: string, client: Client = db()): Promise<string[]> {
  const rows = await client.membership.findMany({ where: { userId }, select: { teamId: true }, orderBy: { createdAt: "asc" } });
  return rows.map((row) => row.teamId);
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

/** The people of a team, for "by whom" names and the audit log's actor filter. */
export async function teamPeople(teamId: string): Promise<Array<{ id: string; name: string; email: string }>> {
  const rows = await db().membership.findMany({ where: { teamId }, select: { user: { select: { id: true, name: true, email: true } } } });
  return rows.map((row) => row.user);
}

// ---- For pages: the same reads, once per request (React cache()), and Next's 404 page for "not found" ----

export const teamForPage = cache(async (teamId: string, userId: string) => (await teamAccess({ teamId, userId })) ?? notFoundPage());

export const sessionForPage = cache((sessionId: string, userId: string) => sessionAccess({ sessionId, userId }));

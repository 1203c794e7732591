import "server-only";
import type { CurrentUser } from "@/lib/auth/current-user";
import { endSignInSessionsOf } from "@/lib/auth/sign-in-sessions";
import { db } from "@/lib/db/client";
import { decodeCursor, encodeCursor } from "@/lib/db/keyset";
import { env } from "@/lib/env";
import { conflict, forbidden, notFound } from "@/lib/errors";
import { notifyMembershipChanged, notifyTokenRevoked } from "@/lib/events/live-hub";
import { teamIdsOf } from "@/lib/teams/membership";

// The instance admin's part: a user flag (the bootstrap admin has it), not a team role. Users can
// be disabled (their sign-ins, tokens and open streams end at once) and team creation restricted.

export type TeamCreation = "everyone" | "admins";
const TEAM_CREATION = "team_creation";

export function requireInstanceAdmin(user: CurrentUser) {
  if (!user.isInstanceAdmin) throw forbidden("This needs an instance admin.", "instance_admin_only");
}

/** PORTAL_TEAM_CREATION, unless an instance admin chose otherwise in /admin. */
export async function teamCreationSetting(): Promise<TeamCreation> {
  const row = await db().instanceSetting.findUnique({ where: { key: TEAM_CREATION } });
  return row?.value === "admins" || row?.value === "everyone" ? row.value : env().PORTAL_TEAM_CREATION;
}

export async function setTeamCreation(value: TeamCreation) {
  await db().instanceSetting.upsert({ where: { key: TEAM_CREATION }, create: { key: TEAM_CREATION, value }, update: { value, updatedAt: new Date() } });
  return { teamCreation: value };
}

export async function assertMayCreateTeam(user: CurrentUser) {
  if (!user.isInstanceAdmin && (await teamCreationSetting()) === "admins")
    throw forbidden("Only instance admins may create teams on this portal.", "instance_admin_only");
}

export async function listUsers({ cursor, limit }: { cursor?: string; limit: number }) {
  const after = cursor ? decodeCursor(cursor, 1)[0] : undefined;
  const rows = await db().user.findMany({
    where: after !== undefined ? { email: { gt: after } } : {},
    orderBy: { email: "asc" },
    take: limit + 1,
    select: { id: true, email: true, name: true, isInstanceAdmin: true, disabledAt: true, createdAt: true, _count: { select: { memberships: true } } },
  });
  const hasMore = rows.length > limit;
  const items = (hasMore ? rows.slice(0, limit) : rows).map((row) => ({
    id: row.id,
    email: row.email,
    name: row.name,
    isInstanceAdmin: row.isInstanceAdmin,
    disabled: row.disabledAt !== null,
    createdAt: row.createdAt.toISOString(),
    teamCount: row._count.memberships,
  }));
  return { items, nextCursor: hasMore ? encodeCursor([items.at(-1)!.email]) : null };
}

/** Disables or re-enables an account, or grants/removes the instance admin flag. */
export async function updateUser({
  actor,
  userId,
  disabled,
  isInstanceAdmin,
}: {
  actor: CurrentUser;
  userId: string;
  disabled?: boolean;
  isInstanceAdmin?: boolean;
}) {
  if (userId === actor.id && (disabled === true || isInstanceAdmin === false))
    throw conflict("not_allowed_on_self", "You cannot disable yourself or drop your own instance admin flag.");
  const updated = await db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { id: true, disabledAt: true } });
    if (!user) throw notFound("User");
    const row = await tx.user.update({
      where: { id: userId },
      data: {
        ...(disabled !== undefined ? { disabledAt: disabled ? (user.disabledAt ?? new Date()) : null } : {}),
        ...(isInstanceAdmin !== undefined ? { isInstanceAdmin } : {}),
      },
      select: { id: true, email: true, name: true, isInstanceAdmin: true, disabledAt: true },
    });
    if (disabled) {
      // Tokens go for good; streams opened with them or with a cookie close on every instance.
      const tokens = await tx.apiToken.findMany({ where: { userId }, select: { id: true } });
      await tx.apiToken.deleteMany({ where: { userId } });
      for (const token of tokens) await notifyTokenRevoked(tx, token.id);
      for (const teamId of await teamIdsOf(userId, tx)) await notifyMembershipChanged(tx, { teamId, userId });
    }
    return row;
  });
  if (disabled) await endSignInSessionsOf({ userId });
  return { id: updated.id, email: updated.email, name: updated.name, isInstanceAdmin: updated.isInstanceAdmin, disabled: updated.disabledAt !== null };
}

import "server-only";
import { Prisma, type Role } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { decodeCursor, encodeCursor } from "@/lib/db/keyset";
import { conflict, forbidden, notFound } from "@/lib/errors";
import { notifyMembershipChanged } from "@/lib/events/live-hub";
import { grantableRoles, whyNotManage } from "@/lib/contract/roles";
import { assertMay } from "@/lib/teams/membership";

// Team membership. People join by invitation (lib/teams/invitations.ts) or are provisioned by an
// instance admin. Admins manage viewers and members and may grant up to their own role; only an
// owner changes or removes an admin or an owner; a team always keeps one owner; anyone may leave.
// Each change takes the team row lock (so the last-owner rule holds under concurrency), writes its
// audit entry and NOTIFYs every portal process (a removed member's open streams close), all in one
// transaction.

type Tx = Prisma.TransactionClient;

export interface MemberJson {
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
  /** The SSO group whose mapping granted the membership (lib/auth/sso-groups.ts); null: granted by hand. */
  ssoGroup: string | null;
}

type MembershipWithUser = { userId: string; role: Role; createdAt: Date; ssoGroup: string | null; user: { email: string; name: string } };

function memberJson(row: MembershipWithUser): MemberJson {
  return { userId: row.userId, email: row.user.email, name: row.user.name, role: row.role, createdAt: row.createdAt.toISOString(), ssoGroup: row.ssoGroup };
}

const withUser = { user: { select: { email: true, name: true } } } as const;

export async function listMembers({ teamId, cursor, limit }: { teamId: string; cursor?: string; limit: number }) {
  const after = cursor ? decodeCursor(cursor, 1)[0] : undefined;
  const rows = await db().membership.findMany({
    where: { teamId, ...(after !== undefined ? { user: { email: { gt: after } } } : {}) },
    include: withUser,
    orderBy: { user: { email: "asc" } },
    take: limit + 1,
  });
  const hasMore = rows.length > limit;
  const items = (hasMore ? rows.slice(0, limit) : rows).map(memberJson);
  return { items, nextCursor: hasMore ? encodeCursor([items.at(-1)!.email]) : null };
}

/** How many owners the team has: the members page marks the last one, whichever page it is on. */
export function countOwners(teamId: string): Promise<number> {
  return db().membership.count({ where: { teamId, role: "owner" } });
}

export interface ProvisionMemberInput {
  teamId: string;
  actorId: string;
  email: string;
  role: Role;
  name?: string;
  password: string;
}

/**
 * Instance admins provision a new account straight into a team (the caller checks the flag). An
 * email that already has an account is refused: it joins only by accepting an invitation.
 */
export async function provisionMember(input: ProvisionMemberInput): Promise<MemberJson> {
  const email = input.email.trim().toLowerCase();
  // Hashing is slow on purpose; do it before taking the team lock.
  const passwordHash = await hashPassword(input.password);
  try {
    return await db().$transaction(async (tx) => {
      const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM teams WHERE id = ${input.teamId} FOR UPDATE`;
      if (locked.length === 0) throw notFound("Team");
      if (await tx.user.findUnique({ where: { email }, select: { id: true } })) throw emailTaken(email);
      const user = await tx.user.create({ data: { email, name: input.name?.trim() || email.split("@")[0]!, passwordHash }, select: { id: true } });
      const row = await tx.membership.create({ data: { teamId: input.teamId, userId: user.id, role: input.role }, include: withUser });
      await recordAudit(tx, {
        teamId: input.teamId,
        actorId: input.actorId,
        action: "member.add",
        targetType: "user",
        targetId: user.id,
        detail: { email, role: input.role, createdUser: true },
      });
      return memberJson(row);
    });
  } catch (error) {
    // Two admins provisioning the same new email at once: one wins, the other is told.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw emailTaken(email);
    throw error;
  }
}

const emailTaken = (email: string) => conflict("already_exists", `${email} already has an account: invite it to the team instead.`);

export async function updateMemberRole({
  teamId,
  actorId,
  userId,
  role,
}: {
  teamId: string;
  actorId: string;
  userId: string;
  role: Role;
}): Promise<MemberJson> {
  return db().$transaction(async (tx) => {
    const actor = await lockTeamAndReadActor(tx, teamId, actorId);
    assertMay(actor, "manageMembers");
    const target = await readTarget(tx, teamId, userId);
    assertMayManage(actor, target.role);
    assertMayGrant(actor, role);
    // A role set by hand is the admin's from now on, even the one it already has: single sign-on's
    // group mapping no longer changes it.
    if (target.role === role && target.ssoGroup === null) return memberJson(target);
    if (target.role === "owner" && role !== "owner") await assertAnotherOwner(tx, teamId, userId);
    const row = await tx.membership.update({ where: { teamId_userId: { teamId, userId } }, data: { role, ssoGroup: null }, include: withUser });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "member.update",
      targetType: "user",
      targetId: userId,
      detail: { email: target.user.email, from: target.role, to: role },
    });
    await notifyMembershipChanged(tx, { teamId, userId });
    return memberJson(row);
  });
}

export async function removeMember({ teamId, actorId, userId }: { teamId: string; actorId: string; userId: string }) {
  await db().$transaction(async (tx) => {
    const actor = await lockTeamAndReadActor(tx, teamId, actorId);
    const leaving = userId === actorId;
    if (!leaving) assertMay(actor, "manageMembers");
    const target = await readTarget(tx, teamId, userId);
    if (!leaving) assertMayManage(actor, target.role);
    if (target.role === "owner") await assertAnotherOwner(tx, teamId, userId);
    await tx.membership.delete({ where: { teamId_userId: { teamId, userId } } });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "member.remove",
      targetType: "user",
      targetId: userId,
      detail: { email: target.user.email, role: target.role },
    });
    await notifyMembershipChanged(tx, { teamId, userId });
  });
}

/** Serialises member changes per team and returns the actor's role as of now (404 for non-members). */
async function lockTeamAndReadActor(tx: Tx, teamId: string, actorId: string): Promise<Role> {
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM teams WHERE id = ${teamId} FOR UPDATE`;
  if (locked.length === 0) throw notFound("Team");
  const actor = await tx.membership.findUnique({ where: { teamId_userId: { teamId, userId: actorId } }, select: { role: true } });
  if (!actor) throw notFound("Team");
  return actor.role;
}

async function readTarget(tx: Tx, teamId: string, userId: string) {
  const target = await tx.membership.findUnique({ where: { teamId_userId: { teamId, userId } }, include: withUser });
  if (!target) throw notFound("Member");
  return target;
}

function assertMayGrant(actor: Role, role: Role) {
  if (!grantableRoles(actor).includes(role)) throw forbidden(`You can grant at most your own role (${actor}).`, "role_too_low");
}

function assertMayManage(actor: Role, targetRole: Role) {
  const reason = whyNotManage(actor, targetRole);
  if (reason) throw forbidden(reason, "role_too_low");
}

async function assertAnotherOwner(tx: Tx, teamId: string, userId: string) {
  const others = await tx.membership.count({ where: { teamId, role: "owner", userId: { not: userId } } });
  if (others === 0) throw conflict("last_owner", "A team needs at least one owner: make someone else owner first.");
}

import "server-only";
import { randomBytes } from "node:crypto";
import { Prisma, type Role } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { hashToken } from "@/lib/auth/current-user";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { newestFirst } from "@/lib/db/keyset";
import { conflict, forbidden, notFound } from "@/lib/errors";
import { grantableRoles } from "@/lib/contract/roles";

// Nobody becomes a member without accepting. An admin invites an email with a role and gets a
// one-time link (7 days, single use; no mail server is assumed) — the same answer whether or not the
// email has an account. A new person opens the link and sets a name and password; an existing
// account sees the invitation in its portal and accepts or declines it.

const VALID_DAYS = 7;
type Tx = Prisma.TransactionClient;

export interface InvitationJson {
  id: string;
  teamId: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

type InvitationRow = { id: string; teamId: string; email: string; role: Role; createdAt: Date; expiresAt: Date };

const invitationJson = (row: InvitationRow): InvitationJson => ({
  id: row.id,
  teamId: row.teamId,
  email: row.email,
  role: row.role,
  createdAt: row.createdAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
});

const pending = () => ({ acceptedAt: null, declinedAt: null, revokedAt: null, expiresAt: { gt: new Date() } });

/** An admin invites (the route wrapper checked that), with at most their own role. */
export async function createInvitation({
  teamId,
  actorId,
  actorRole,
  email,
  role,
  origin,
}: {
  teamId: string;
  actorId: string;
  actorRole: Role;
  email: string;
  role: Role;
  origin: string;
}) {
  const address = email.trim().toLowerCase();
  if (!grantableRoles(actorRole).includes(role)) throw forbidden(`You can invite with at most your own role (${actorRole}).`, "role_too_low");
  const token = `inv_${randomBytes(24).toString("base64url")}`;
  const row = await db().$transaction(async (tx) => {
    const member = await tx.membership.findFirst({ where: { teamId, user: { email: address } }, select: { role: true } });
    if (member) throw conflict("already_exists", `${address} is already a member of this team.`);
    // A new invitation for the same email replaces the pending one.
    await tx.invitation.updateMany({ where: { teamId, email: address, ...pending() }, data: { revokedAt: new Date() } });
    const created = await tx.invitation.create({
      data: { teamId, email: address, role, tokenHash: hashToken(token), invitedBy: actorId, expiresAt: new Date(Date.now() + VALID_DAYS * 24 * 3600 * 1000) },
    });
    await recordAudit(tx, { teamId, actorId, action: "member.invite", targetType: "invitation", targetId: created.id, detail: { email: address, role } });
    return created;
  });
  return { ...invitationJson(row), url: `${origin}/invite/${token}` };
}

/** The team's pending invitations, newest first. */
export async function listTeamInvitations({ teamId, cursor, limit }: { teamId: string; cursor?: string; limit: number }) {
  const keys = newestFirst("createdAt", { cursor, limit });
  const rows = await db().invitation.findMany({ where: { teamId, ...pending(), ...keys.where }, orderBy: keys.orderBy, take: keys.take });
  return keys.page(rows, invitationJson);
}

export async function revokeInvitation({ teamId, actorId, invitationId }: { teamId: string; actorId: string; invitationId: string }) {
  await db().$transaction(async (tx) => {
    const { count } = await tx.invitation.updateMany({ where: { id: invitationId, teamId, ...pending() }, data: { revokedAt: new Date() } });
    if (count === 0) throw notFound("Invitation");
    await recordAudit(tx, { teamId, actorId, action: "member.invite_revoke", targetType: "invitation", targetId: invitationId });
  });
}

/** The pending invitations addressed to the signed-in person's email, newest first. */
export async function listMyInvitations({ email, cursor, limit }: { email: string; cursor?: string; limit: number }) {
  const keys = newestFirst("createdAt", { cursor, limit });
  const rows = await db().invitation.findMany({
    where: { email, ...pending(), ...keys.where },
    orderBy: keys.orderBy,
    take: keys.take,
    include: { team: { select: { name: true } } },
  });
  return keys.page(rows, (row) => ({ ...invitationJson(row), teamName: row.team.name }));
}

/** How many pending invitations the signed-in person has (the banner on every page). */
export async function countMyInvitations({ email }: { email: string }) {
  return db().invitation.count({ where: { email, ...pending() } });
}

export async function answerMyInvitation({ userId, email, invitationId, accept }: { userId: string; email: string; invitationId: string; accept: boolean }) {
  return db().$transaction(async (tx) => {
    const invitation = await tx.invitation.findFirst({ where: { id: invitationId, email, ...pending() } });
    if (!invitation) throw notFound("Invitation");
    if (!accept) {
      await tx.invitation.update({ where: { id: invitation.id }, data: { declinedAt: new Date() } });
      return { teamId: invitation.teamId, accepted: false };
    }
    await joinTeam(tx, { invitation, userId });
    return { teamId: invitation.teamId, role: invitation.role, accepted: true };
  });
}

/** What the /invite page shows about a link, or null when it is unknown, used, revoked or expired. */
export async function invitationByToken(token: string) {
  const row = await db().invitation.findFirst({ where: { tokenHash: hashToken(token), ...pending() }, include: { team: { select: { name: true } } } });
  if (!row) return null;
  const account = await db().user.findUnique({ where: { email: row.email }, select: { id: true } });
  return { ...invitationJson(row), teamName: row.team.name, hasAccount: account !== null };
}

/** A new person accepts with the link: their account is made and joins the team, once. */
export async function acceptInvitationAsNewUser({ token, name, password }: { token: string; name: string; password: string }) {
  const passwordHash = await hashPassword(password);
  try {
    return await db().$transaction(async (tx) => {
      const invitation = await tx.invitation.findFirst({ where: { tokenHash: hashToken(token), ...pending() } });
      if (!invitation) throw notFound("Invitation");
      if (await tx.user.findUnique({ where: { email: invitation.email }, select: { id: true } })) {
        throw conflict("already_exists", "This email already has an account: sign in and accept the invitation from the Teams page.");
      }
      const user = await tx.user.create({ data: { email: invitation.email, name, passwordHash }, select: { id: true, email: true, name: true } });
      await joinTeam(tx, { invitation, userId: user.id });
      return { userId: user.id, email: user.email, name: user.name, teamId: invitation.teamId, role: invitation.role };
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw conflict("already_exists", "This invitation was just used.");
    throw error;
  }
}

async function joinTeam(tx: Tx, { invitation, userId }: { invitation: { id: string; teamId: string; role: Role; email: string }; userId: string }) {
  // Single use even under concurrency: only one accept can flip accepted_at.
  const { count } = await tx.invitation.updateMany({ where: { id: invitation.id, acceptedAt: null }, data: { acceptedAt: new Date() } });
  if (count === 0) throw notFound("Invitation");
  const existing = await tx.membership.findUnique({ where: { teamId_userId: { teamId: invitation.teamId, userId } } });
  if (existing) throw conflict("already_exists", "You are already a member of this team.");
  await tx.membership.create({ data: { teamId: invitation.teamId, userId, role: invitation.role } });
  await recordAudit(tx, {
    teamId: invitation.teamId,
    actorId: userId,
    action: "member.add",
    targetType: "user",
    targetId: userId,
    detail: { email: invitation.email, role: invitation.role, invitationId: invitation.id },
  });
}

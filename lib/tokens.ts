import "server-only";
import { randomBytes } from "node:crypto";
import type { Prisma } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { hashToken } from "@/lib/auth/current-user";
import { db } from "@/lib/db/client";
import { notifyTokenRevoked } from "@/lib/events/live-hub";
import { notFound } from "@/lib/errors";

// Personal tokens for scripts: shown once at creation, stored as a sha256 hash, revoked by deleting.

// A token belongs to a user, not a team: its audit entry goes to each of the user's teams, in the
// transaction of the change.
async function auditInTeams(tx: Prisma.TransactionClient, userId: string, action: "token.create" | "token.revoke", targetId: string) {
  const memberships = await tx.membership.findMany({ where: { userId }, select: { teamId: true } });
  for (const { teamId } of memberships) await recordAudit(tx, { teamId, actorId: userId, action, targetType: "token", targetId });
}

export async function createToken({ userId, name }: { userId: string; name: string }) {
  const token = `ap_${randomBytes(24).toString("base64url")}`;
  const row = await db().$transaction(async (tx) => {
    const created = await tx.apiToken.create({ data: { userId, name, tokenHash: hashToken(token) } });
    await auditInTeams(tx, userId, "token.create", created.id);
    return created;
  });
  return { id: row.id, name: row.name, token, createdAt: row.createdAt.toISOString() };
}

export async function listTokens({ userId }: { userId: string }) {
  const rows = await db().apiToken.findMany({ where: { userId }, orderBy: { createdAt: "desc" } });
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.createdAt.toISOString(), lastUsedAt: row.lastUsedAt?.toISOString() ?? null }));
}

export async function revokeToken({ userId, tokenId }: { userId: string; tokenId: string }) {
  if (tokenId.includes("\u0000")) throw notFound("Token");
  await db().$transaction(async (tx) => {
    const { count } = await tx.apiToken.deleteMany({ where: { id: tokenId, userId } });
    if (count === 0) throw notFound("Token");
    await auditInTeams(tx, userId, "token.revoke", tokenId);
    await notifyTokenRevoked(tx, tokenId);
  });
}

import "server-only";
import { randomBytes } from "node:crypto";
import { recordAuditInTeams } from "@/lib/audit";
import { hashToken, type CurrentUser } from "@/lib/auth/current-user";
import { db } from "@/lib/db/client";
import { newestFirst } from "@/lib/db/keyset";
import { forbidden, notFound } from "@/lib/errors";
import { notifyTokenRevoked } from "@/lib/events/live-hub";

// Personal tokens for scripts: shown once at creation, stored as a sha256 hash, revoked by deleting.
// A token belongs to a user, not a team: its audit entry goes to each of the user's teams.

export async function createToken({ user, name, expiresInDays }: { user: CurrentUser; name: string; expiresInDays?: number }) {
  // A token cannot mint tokens that would outlive it: only a signed-in browser can.
  if (user.via === "token") throw forbidden("A personal token cannot create tokens; sign in to create one.");
  const userId = user.id;
  const token = `ap_${randomBytes(24).toString("base64url")}`;
  const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 24 * 3600 * 1000) : null;
  const row = await db().$transaction(async (tx) => {
    const created = await tx.apiToken.create({ data: { userId, name, tokenHash: hashToken(token), expiresAt } });
    await recordAuditInTeams(tx, userId, { actorId: userId, action: "token.create", targetType: "token", targetId: created.id });
    return created;
  });
  return { id: row.id, name: row.name, token, createdAt: row.createdAt.toISOString(), expiresAt: row.expiresAt?.toISOString() ?? null };
}

/** The user's tokens, newest first, without their secrets. */
export async function listTokens({ userId, cursor, limit }: { userId: string; cursor?: string; limit: number }) {
  const keys = newestFirst("createdAt", { cursor, limit });
  const rows = await db().apiToken.findMany({ where: { userId, ...keys.where }, orderBy: keys.orderBy, take: keys.take });
  return keys.page(rows, (row) => ({
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    expired: row.expiresAt !== null && row.expiresAt.getTime() <= Date.now(),
  }));
}

export async function revokeToken({ userId, tokenId }: { userId: string; tokenId: string }) {
  await db().$transaction(async (tx) => {
    const { count } = await tx.apiToken.deleteMany({ where: { id: tokenId, userId } });
    if (count === 0) throw notFound("Token");
    await recordAuditInTeams(tx, userId, { actorId: userId, action: "token.revoke", targetType: "token", targetId: tokenId });
    await notifyTokenRevoked(tx, tokenId);
  });
}

import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import type { Session, ShareLink } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { hashToken } from "@/lib/auth/current-user";
import { authSecret } from "@/lib/auth/secret";
import { ssoConfig } from "@/lib/auth/sso-config";
import { db } from "@/lib/db/client";
import { newestFirst } from "@/lib/db/keyset";
import { teamKeyValues } from "@/lib/gateway/credentials";
import { env } from "@/lib/env";
import { notFound } from "@/lib/errors";
import { notifyTokenRevoked } from "@/lib/events/live-hub";
import { redactor } from "@/lib/shares/redact";
import { webhookSecret } from "@/lib/webhooks/signing";

// Read-only share links: a member makes a link to one session; whoever holds it sees that session's
// transcript (history and live), nothing else. The token is only in the URL (its sha256 is kept);
// every open is counted; a revoked or expired link is a 404, and open streams on it end at once
// (revocation is announced like a revoked token, to every instance).

export interface ShareJson {
  id: string;
  sessionId: string;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  openCount: number;
  lastOpenedAt: string | null;
  active: boolean;
}

const shareJson = (row: ShareLink): ShareJson => ({
  id: row.id,
  sessionId: row.sessionId,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
  openCount: row.openCount,
  lastOpenedAt: row.lastOpenedAt?.toISOString() ?? null,
  active: row.revokedAt === null && row.expiresAt > new Date(),
});

/** The key a share's open streams listen on for its revocation (the live hub's token channel). */
export const shareStreamKey = (shareId: string) => `share:${shareId}`;

export async function createShare({ session, actorId, expiresInDays, origin }: { session: Session; actorId: string; expiresInDays: number; origin: string }) {
  const token = `shr_${randomBytes(24).toString("base64url")}`;
  const row = await db().$transaction(async (tx) => {
    const created = await tx.shareLink.create({
      data: {
        id: randomUUID(),
        sessionId: session.id,
        teamId: session.teamId,
        tokenHash: hashToken(token),
        createdBy: actorId,
        expiresAt: new Date(Date.now() + expiresInDays * 24 * 3600 * 1000),
      },
    });
    await recordAudit(tx, {
      teamId: session.teamId,
      actorId,
      action: "share.create",
      targetType: "share",
      targetId: created.id,
      detail: { sessionId: session.id, expiresAt: created.expiresAt.toISOString() },
    });
    return created;
  });
  return { ...shareJson(row), url: `${origin}/share/${token}` };
}

/** The session's links, working or not, newest first. */
export async function listSessionShares({ sessionId, cursor, limit }: { sessionId: string; cursor?: string; limit: number }) {
  const keys = newestFirst("createdAt", { cursor, limit });
  const rows = await db().shareLink.findMany({ where: { sessionId, ...keys.where }, orderBy: keys.orderBy, take: keys.take });
  return keys.page(rows, shareJson);
}

/** The team's links that still work, with their session's title (the team's page), newest first. */
export async function listTeamShares({ teamId, cursor, limit }: { teamId: string; cursor?: string; limit: number }) {
  const keys = newestFirst("createdAt", { cursor, limit });
  const rows = await db().shareLink.findMany({
    where: { teamId, revokedAt: null, expiresAt: { gt: new Date() }, ...keys.where },
    orderBy: keys.orderBy,
    take: keys.take,
    include: { session: { select: { title: true } } },
  });
  return keys.page(rows, (row) => ({ ...shareJson(row), sessionTitle: row.session.title }));
}

export async function revokeShare({ session, actorId, shareId }: { session: Session; actorId: string; shareId: string }) {
  await db().$transaction(async (tx) => {
    const { count } = await tx.shareLink.updateMany({ where: { id: shareId, sessionId: session.id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (count === 0) throw notFound("Share link");
    await recordAudit(tx, {
      teamId: session.teamId,
      actorId,
      action: "share.revoke",
      targetType: "share",
      targetId: shareId,
      detail: { sessionId: session.id },
    });
    await notifyTokenRevoked(tx, shareStreamKey(shareId));
  });
}

/** The link's share and session when it works (not revoked, not expired), else null. */
export async function shareByToken(token: string) {
  if (!/^shr_[A-Za-z0-9_-]{20,64}$/.test(token)) return null;
  const row = await db().shareLink.findFirst({
    where: { tokenHash: hashToken(token), revokedAt: null, expiresAt: { gt: new Date() } },
    include: { session: true },
  });
  return row;
}

/** Still working? (a stream re-checks while it is open). */
export async function shareStillValid(shareId: string) {
  return (await db().shareLink.count({ where: { id: shareId, revokedAt: null, expiresAt: { gt: new Date() } } })) > 0;
}

/** One open of the link (the page, not each API call behind it). */
export async function countOpen(shareId: string) {
  await db().shareLink.update({ where: { id: shareId }, data: { openCount: { increment: 1 }, lastOpenedAt: new Date() } });
}

/** Every secret value the portal knows that could show up in this team's sessions. */
export async function knownSecrets(teamId: string) {
  const config = env();
  const [webhooks, teamKeys, sso] = await Promise.all([
    db().webhook.findMany({ where: { teamId }, select: { id: true, secretSalt: true } }),
    teamKeyValues({ teamId }),
    ssoConfig(),
  ]);
  const instanceSecrets = [
    config.SANDBOX_AGENT_TOKEN,
    config.NEXTAUTH_SECRET,
    // The environment's, or the one an instance admin set on /admin.
    sso?.clientSecret,
    config.PORTAL_ADMIN_PASSWORD,
    process.env.ANTHROPIC_API_KEY,
    process.env.OPENAI_API_KEY,
  ];
  return [authSecret(), ...instanceSecrets, ...teamKeys, ...webhooks.map(webhookSecret)].filter(
    (value): value is string => typeof value === "string" && value !== "",
  );
}

/** The session's redactor, for events served through a share link. */
export async function sharedRedactor(teamId: string) {
  return redactor(await knownSecrets(teamId));
}

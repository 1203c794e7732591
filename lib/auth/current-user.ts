import "server-only";
import { createHash } from "node:crypto";
import { getServerSession } from "next-auth";
import { db } from "@/lib/db/client";
import { authOptions } from "@/lib/auth/options";

// Who is calling: a personal token (`Authorization: Bearer …`, stored hashed) or the next-auth cookie.

export interface CurrentUser {
  id: string;
  email: string;
  name: string;
  via: "cookie" | "token";
  /** The personal token of the request, when it came with one: revoking it closes its open streams. */
  tokenId?: string;
}

export function hashToken(token: string) {
  return createHash("sha256").update(token).digest("hex");
}

export async function userFromBearer(authorization: string | null): Promise<CurrentUser | null> {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) return null;
  const token = await db().apiToken.findUnique({ where: { tokenHash: hashToken(match[1]) }, include: { user: true } });
  if (!token) return null;
  // Remember when a token was last used, at most once a minute per token.
  if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > 60_000) {
    void db().apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
  }
  return { id: token.user.id, email: token.user.email, name: token.user.name, via: "token", tokenId: token.id };
}

/** The signed-in user of a page or route (cookie), or null. */
export async function getCurrentUser(): Promise<CurrentUser | null> {
  const session = await getServerSession(authOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  const user = await db().user.findUnique({ where: { id }, select: { id: true, email: true, name: true } });
  return user ? { ...user, via: "cookie" } : null;
}

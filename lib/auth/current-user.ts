import "server-only";
import { createHash } from "node:crypto";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { cache } from "react";
import { db } from "@/lib/db/client";
import { authOptions } from "@/lib/auth/options";
import { isSignInSessionLive } from "@/lib/auth/sign-in-sessions";
import { isHttps } from "@/lib/http/request-origin";

// Who is calling: a personal token (`Authorization: Bearer …`, stored hashed, maybe expiring) or the
// next-auth cookie, whose sign-in session must still be live. A disabled account is nobody.

export interface CurrentUser {
  id: string;
  email: string;
  name: string;
  isInstanceAdmin: boolean;
  via: "cookie" | "token";
  /** The personal token of the request, when it came with one: revoking it closes its open streams. */
  tokenId?: string;
  /** The sign-in session of a cookie request (sign-out ends it; password change keeps only it). */
  signInSessionId?: string;
}

const userFields = { id: true, email: true, name: true, isInstanceAdmin: true, disabledAt: true } as const;

export function hashToken(token: string) {
  return createHash("sha256").update(token).digest("hex");
}

export async function userFromBearer(authorization: string | null): Promise<CurrentUser | null> {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1] || match[1].length > 200) return null;
  // The token and its user in one round trip (an `include` is two queries): every API call of a script
  // starts here.
  const [found] = await db().$queryRaw<Array<Omit<CurrentUser, "via" | "tokenId" | "signInSessionId"> & { tokenId: string; lastUsedAt: Date | null }>>`
    SELECT t.id AS "tokenId", t.last_used_at AS "lastUsedAt", u.id, u.email, u.name, u.is_instance_admin AS "isInstanceAdmin"
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ${hashToken(match[1])} AND u.disabled_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`;
  if (!found) return null;
  const { tokenId, lastUsedAt, ...user } = found;
  // Remember when a token was last used, at most once a minute per token.
  if (!lastUsedAt || Date.now() - lastUsedAt.getTime() > 60_000) {
    void db()
      .apiToken.update({ where: { id: tokenId }, data: { lastUsedAt: new Date() } })
      .catch(() => undefined);
  }
  return { ...user, via: "token", tokenId };
}

/** next-auth's options for this request: Secure cookies when it came over https. */
export async function requestAuthOptions() {
  return authOptions({ secure: isHttps(await headers()) });
}

/** The signed-in user of a page or route (cookie), or null. Once per request. */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = await getServerSession(await requestAuthOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  const sid = (session as { sid?: unknown } | null)?.sid;
  if (!id || typeof sid !== "string") return null;
  if (!(await isSignInSessionLive({ sid, userId: id }))) return null;
  const user = await db().user.findUnique({ where: { id }, select: userFields });
  if (!user || user.disabledAt) return null;
  const { disabledAt: _disabled, ...rest } = user;
  return { ...rest, via: "cookie", signInSessionId: sid };
});

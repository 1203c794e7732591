import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { isStorableText } from "@/lib/api/input-rule";
import { sameOriginRedirect } from "@/lib/auth/callback-url";
import { authSecret } from "@/lib/auth/secret";
import { UNUSABLE_HASH, verifyPassword } from "@/lib/auth/password";
import { passwordFitsRule } from "@/lib/auth/password-rule";
import { clearAccountAttempts, normaliseEmail } from "@/lib/auth/sign-in-throttle";
import { recordSignIn } from "@/lib/auth/sign-in-record";
import { endSignInSession, startSignInSession } from "@/lib/auth/sign-in-sessions";
import { linkIdentity, oidcProvider, OIDC_PROVIDER_ID, readLinkToken, signInWithOidc, userinfoClaims } from "@/lib/auth/oidc";
import type { SsoConfig } from "@/lib/auth/sso-config";
import { db } from "@/lib/db/client";
import { currentClientIp } from "@/lib/http/request-context";
import { env } from "@/lib/env";
import { clientIp } from "@/lib/http/request-origin";

// next-auth: credentials provider (and single sign-on when configured, lib/auth/oidc.ts), JWT sessions whose `sid` names a revocable row in
// sign_in_sessions. Every attempt is recorded (lib/auth/sign-in-record.ts), and a wrong password, an
// unknown email or a disabled account cost the same work.

type HeaderRecord = Record<string, string | string[] | undefined>;

const headerGetter = (headers: HeaderRecord | undefined) => ({
  get: (name: string) => {
    const value = headers?.[name];
    return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
  },
});

export async function verifyCredentials({ email, password, headers, link }: { email: string; password: string; headers?: HeaderRecord; link?: unknown }) {
  const get = headerGetter(headers);
  const ip = clientIp(get);
  const userAgent = get.get("user-agent");
  const wellFormed = email.length > 0 && email.length <= 320 && isStorableText(email) && isStorableText(password) && passwordFitsRule(password);
  const user = wellFormed
    ? await db().user.findUnique({ where: { email }, select: { id: true, email: true, name: true, passwordHash: true, disabledAt: true } })
    : null;
  // Verify even when there is nothing to match, so timing does not reveal which accounts exist.
  const matches = await verifyPassword(password, user?.passwordHash ?? UNUSABLE_HASH);
  const ok = !!user && matches && !user.disabledAt;
  const reason = ok ? undefined : user?.disabledAt && matches ? "disabled" : "wrong_password";
  await recordSignIn({ userId: user?.id ?? null, ok, reason, via: "password", ip, userAgent });
  if (!ok || !user) return null;
  await clearAccountAttempts(email, ip);
  // The password of the account an SSO identity asked to be linked to was just proven.
  const claim = readLinkToken(link);
  if (claim && claim.email === user.email) await linkIdentity({ userId: user.id, claim });
  const sid = await startSignInSession({ userId: user.id, ip, userAgent });
  return { id: user.id, email: user.email, name: user.name, sid };
}

/**
 * next-auth's options for one request. `sso` is single sign-on's configuration as read for it
 * (lib/auth/sso-config.ts); reading the session needs none.
 */
export function authOptions({ secure = false, sso = null }: { secure?: boolean; sso?: SsoConfig | null } = {}): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: Math.round(env().PORTAL_SESSION_MAX_DAYS * 24 * 3600) },
    useSecureCookies: secure,
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        authorize: (credentials, request) =>
          verifyCredentials({
            email: normaliseEmail(credentials?.email),
            password: String(credentials?.password ?? ""),
            headers: request?.headers as HeaderRecord | undefined,
            link: (credentials as { link?: unknown } | undefined)?.link,
          }),
      }),
      ...(sso ? [oidcProvider(sso)] : []),
    ],
    callbacks: {
      // An SSO sign-in becomes the portal account it names (lib/auth/oidc.ts), or goes back to the
      // sign-in page saying why; the provider's own user id never reaches the token.
      async signIn({ user, account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        // Only a request whose options carried the provider gets here: sso is set.
        const config = sso!;
        let claims = (profile ?? {}) as Record<string, unknown> & { email?: string; email_verified?: boolean; name?: string };
        if ((!claims.email || (config.groupRoles.length > 0 && !(config.groupsClaim in claims))) && account.access_token)
          claims = { ...claims, ...(await userinfoClaims({ issuer: config.issuer, accessToken: account.access_token, subject: account.providerAccountId })) };
        const outcome = await signInWithOidc({
          config,
          subject: account.providerAccountId,
          email: claims.email,
          emailVerified: claims.email_verified,
          name: claims.name ?? user.name,
          groups: claims[config.groupsClaim],
          ip: currentClientIp(),
          userAgent: null,
        });
        if (!outcome.ok) return outcome.link ? `/login?error=sso_link&link=${encodeURIComponent(outcome.link)}` : `/login?error=sso_${outcome.reason}`;
        Object.assign(user, { id: outcome.userId, sid: outcome.sid });
        return true;
      },
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.sid = (user as { sid?: string }).sid;
        }
        return token;
      },
      session({ session, token }) {
        if (session.user && token.sub) (session.user as { id?: string }).id = token.sub;
        (session as { sid?: unknown }).sid = token.sid;
        return session;
      },
      redirect: ({ url, baseUrl }) => sameOriginRedirect(url, baseUrl),
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === "string") await endSignInSession(token.sid);
      },
    },
  };
}

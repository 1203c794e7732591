import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { authSecret } from "@/lib/auth/secret";
import { UNUSABLE_HASH } from "@/lib/auth/password";
import { recordSignIn } from "@/lib/auth/sign-in-record";
import { startSignInSession } from "@/lib/auth/sign-in-sessions";
import type { SsoConfig } from "@/lib/auth/sso-config";
import { applyGroupRoles, groupsOf } from "@/lib/auth/sso-groups";
import { db } from "@/lib/db/client";
import { logger } from "@/lib/log";

const log = logger("auth");

// Single sign-on beside passwords (next-auth's OAuth provider in OIDC mode: discovery, code flow
// with PKCE and state, the ID token checked), configured by the environment or an instance admin
// (lib/auth/sso-config.ts). An identity (issuer + subject) signs in the account it is linked to. A
// first sign-in makes an account only for an allowed email domain; an email that already has a
// password account is linked only once that password is proven (a link token carries the identity
// to the password form). Every sign-in applies the groups-to-team-roles mapping (sso-groups.ts). The
// sign-in is a revocable sign_in_sessions row, as with a password, so sign-out, "sign out everywhere"
// and disabling an account apply alike.

export const OIDC_PROVIDER_ID = "oidc";
const LINK_TOKEN_MINUTES = 10;

interface OidcProfile {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

/** next-auth's provider for the configuration of this sign-in. */
export function oidcProvider(config: SsoConfig): OAuthConfig<OidcProfile> {
  return {
    id: OIDC_PROVIDER_ID,
    name: config.name,
    type: "oauth",
    wellKnown: `${config.issuer}/.well-known/openid-configuration`,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state"],
    profile: (profile) => ({ id: profile.sub, email: profile.email ?? null, name: profile.name ?? profile.preferred_username ?? profile.email ?? null }),
  };
}

export type OidcOutcome = { ok: true; userId: string; sid: string } | { ok: false; reason: "domain" | "disabled" | "email" | "link"; link?: string };

/** Resolves an identity the provider vouched for to the portal account it signs in, or why not. */
export async function signInWithOidc({
  config,
  subject,
  email,
  emailVerified,
  name,
  groups,
  ip,
  userAgent,
}: {
  config: SsoConfig;
  subject: string;
  email: string | undefined;
  emailVerified: boolean | undefined;
  name: string | null | undefined;
  /** The groups claim as the provider sent it (lib/auth/sso-groups.ts reads it). */
  groups: unknown;
  ip: string | null;
  userAgent: string | null;
}): Promise<OidcOutcome> {
  const issuer = config.issuer;
  const linked = await db().userIdentity.findUnique({
    where: { issuer_subject: { issuer, subject } },
    include: { user: { select: { id: true, email: true, disabledAt: true } } },
  });
  let userId = linked?.user.id ?? null;
  let accountEmail = linked?.user.email ?? "";
  if (linked?.user.disabledAt) return refuse(linked.user.id, "disabled", ip, userAgent);
  if (!userId) {
    // Only an address the provider has verified may name an account.
    const address = email?.trim().toLowerCase();
    if (!address || emailVerified === false) return refuse(null, "email", ip, userAgent);
    const existing = await db().user.findUnique({ where: { email: address }, select: { id: true, disabledAt: true } });
    if (existing?.disabledAt) return refuse(existing.id, "disabled", ip, userAgent);
    if (existing) return { ok: false, reason: "link", link: linkToken({ issuer, subject, email: address }) };
    const domain = address.split("@")[1] ?? "";
    if (!config.allowedDomains.includes(domain)) return refuse(null, "domain", ip, userAgent);
    const created = await db().user.create({
      data: { email: address, name: (name ?? address).slice(0, 100), passwordHash: UNUSABLE_HASH, identities: { create: { issuer, subject, email: address } } },
      select: { id: true },
    });
    userId = created.id;
    accountEmail = address;
  }
  // No groups claim at all (a userinfo call that failed, a provider that sends it only for a scope
  // not asked) says nothing about the person's groups: the memberships stay as they are.
  if (groups === undefined) {
    if (config.groupRoles.length > 0) log.warn({ userId }, "the provider sent no groups claim; SSO group roles were left as they are");
  } else await applyGroupRoles({ userId, email: accountEmail, groups: groupsOf(groups), mapping: config.groupRoles });
  await recordSignIn({ userId, ok: true, reason: "sso", via: "sso", ip, userAgent });
  return { ok: true, userId, sid: await startSignInSession({ userId, ip, userAgent }) };
}

async function refuse(userId: string | null, reason: "domain" | "disabled" | "email", ip: string | null, userAgent: string | null): Promise<OidcOutcome> {
  await recordSignIn({ userId, ok: false, reason: `sso_${reason}`, via: "sso", ip, userAgent });
  return { ok: false, reason };
}

interface LinkClaim {
  issuer: string;
  subject: string;
  email: string;
  exp: number;
}

const sign = (body: string) => createHmac("sha256", authSecret()).update(`oidc-link:${body}`).digest("base64url");

function linkToken(claim: Omit<LinkClaim, "exp">) {
  const body = Buffer.from(JSON.stringify({ ...claim, exp: Date.now() + LINK_TOKEN_MINUTES * 60_000 })).toString("base64url");
  return `${body}.${sign(body)}`;
}

/** The identity a link token carries, when it is ours and not expired. */
export function readLinkToken(token: unknown): LinkClaim | null {
  if (typeof token !== "string" || token.length > 2000) return null;
  const [body, mac] = token.split(".");
  if (!body || !mac) return null;
  const expected = sign(body);
  if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return null;
  try {
    const claim = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as LinkClaim;
    return claim.exp > Date.now() ? claim : null;
  } catch {
    return null;
  }
}

/** After the password was proven: the identity is linked to the account (once; a second link is a no-op). */
export async function linkIdentity({ userId, claim }: { userId: string; claim: LinkClaim }) {
  await db().userIdentity.upsert({
    where: { issuer_subject: { issuer: claim.issuer, subject: claim.subject } },
    create: { issuer: claim.issuer, subject: claim.subject, userId, email: claim.email },
    update: {},
  });
}

const discovered = globalThis as unknown as { portalOidcUserinfo?: Map<string, Promise<string | null>> };

/**
 * The claims of the userinfo endpoint, for a provider that keeps email, name or groups out of its ID
 * token (as OIDC allows when an access token is issued). Only claims about the same subject are taken.
 */
export async function userinfoClaims({
  issuer,
  accessToken,
  subject,
}: {
  issuer: string;
  accessToken: string;
  subject: string;
}): Promise<Record<string, unknown>> {
  // The endpoint per issuer: an admin may point single sign-on at another provider at any time.
  const endpoints = (discovered.portalOidcUserinfo ??= new Map());
  if (!endpoints.has(issuer))
    endpoints.set(
      issuer,
      fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) })
        .then(async (response) => ((await response.json()) as { userinfo_endpoint?: string }).userinfo_endpoint ?? null)
        .catch(() => {
          endpoints.delete(issuer);
          return null;
        }),
    );
  const endpoint = await endpoints.get(issuer);
  if (!endpoint) return {};
  const response = await fetch(endpoint, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) }).catch(() => null);
  const claims = response?.ok ? ((await response.json().catch(() => ({}))) as Record<string, unknown>) : {};
  return claims.sub === subject ? claims : {};
}

import "server-only";
import { env } from "@/lib/env";
import { clearLimit, hitLimit } from "@/lib/rate-limit";

// Sign-in throttling over 15-minute windows, per account *from one address* first: ten wrong
// passwords from a stranger's address lock that address out of the account, not the owner signing in
// from elsewhere. Behind it, a per-address limit (one address spraying many accounts) and a much
// higher per-account limit across all addresses (guessing spread over many addresses). The account
// is the email as typed, so unknown emails are limited the same way and the answer says nothing about
// which exist. Every attempt counts; a successful sign-in clears its account's counters.
// The counters live in PostgreSQL (lib/rate-limit.ts) so they hold across portal instances.

const WINDOW_SECONDS = 15 * 60;

const accountKey = (email: string) => `sign-in:account:${email}`;
const accountFromKey = (email: string, ip: string | null) => `sign-in:account-from:${ip ?? "unknown"}:${email}`;

/** Counts the attempt; the seconds to wait when the account from this address, the address or the account is over its limit. */
export async function countSignInAttempt({ email, ip }: { email: string; ip: string | null }): Promise<number | null> {
  const { PORTAL_SIGN_IN_LIMIT_ACCOUNT, PORTAL_SIGN_IN_LIMIT_IP, PORTAL_SIGN_IN_LIMIT_ACCOUNT_ANY_ADDRESS } = env();
  const results = await Promise.all([
    hitLimit({ key: accountFromKey(email, ip), limit: PORTAL_SIGN_IN_LIMIT_ACCOUNT, windowSeconds: WINDOW_SECONDS }),
    hitLimit({ key: accountKey(email), limit: PORTAL_SIGN_IN_LIMIT_ACCOUNT_ANY_ADDRESS, windowSeconds: WINDOW_SECONDS }),
    ip ? hitLimit({ key: `sign-in:ip:${ip}`, limit: PORTAL_SIGN_IN_LIMIT_IP, windowSeconds: WINDOW_SECONDS }) : null,
  ]);
  const waits = results.filter((result) => result && !result.allowed).map((result) => result!.retryAfterSeconds);
  return waits.length > 0 ? Math.max(...waits) : null;
}

export async function clearAccountAttempts(email: string, ip: string | null) {
  await Promise.all([clearLimit(accountKey(email)), clearLimit(accountFromKey(email, ip))]);
}

export function normaliseEmail(value: unknown): string {
  return String(value ?? "")
    .trim()
    .toLowerCase();
}

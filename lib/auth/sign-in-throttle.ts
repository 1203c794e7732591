import "server-only";
import { env } from "@/lib/env";
import { clearLimit, hitLimit } from "@/lib/rate-limit";

// Sign-in throttling per account (the email as typed, so unknown emails are limited the same way
// and the answer says nothing about which exist) and per client address, over 15-minute windows.
// Every attempt counts; a successful sign-in clears its account's counter.

const WINDOW_SECONDS = 15 * 60;

export const accountKey = (email: string) => `sign-in:account:${email}`;

/** Counts the attempt; the seconds to wait when the account or the address is over its limit. */
export async function countSignInAttempt({ email, ip }: { email: string; ip: string | null }): Promise<number | null> {
  const { PORTAL_SIGN_IN_LIMIT_ACCOUNT, PORTAL_SIGN_IN_LIMIT_IP } = env();
  const [account, address] = await Promise.all([
    hitLimit({ key: accountKey(email), limit: PORTAL_SIGN_IN_LIMIT_ACCOUNT, windowSeconds: WINDOW_SECONDS }),
    ip ? hitLimit({ key: `sign-in:ip:${ip}`, limit: PORTAL_SIGN_IN_LIMIT_IP, windowSeconds: WINDOW_SECONDS }) : null,
  ]);
  const waits = [account, address].filter((result) => result && !result.allowed).map((result) => result!.retryAfterSeconds);
  return waits.length > 0 ? Math.max(...waits) : null;
}

export async function clearAccountAttempts(email: string) {
  await clearLimit(accountKey(email));
}

export function normaliseEmail(value: unknown): string {
  return String(value ?? "").trim().toLowerCase();
}

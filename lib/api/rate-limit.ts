import "server-only";
import type { CurrentUser } from "@/lib/auth/current-user";
import { env } from "@/lib/env";
import { rateLimited } from "@/lib/errors";
import { hitLimit } from "@/lib/rate-limit";

// API calls per minute, per token (scripts) or per user (browser), counted in PostgreSQL so the
// limit holds across portal instances.

export async function enforceApiRateLimit(user: CurrentUser) {
  const key = user.tokenId ? `api:token:${user.tokenId}` : `api:user:${user.id}`;
  const result = await hitLimit({ key, limit: env().PORTAL_API_RATE_LIMIT, windowSeconds: 60 });
  if (!result.allowed) throw rateLimited(`Too many requests; try again in ${result.retryAfterSeconds} s.`, result.retryAfterSeconds);
}

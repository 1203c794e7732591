import "server-only";
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";

// Revocable browser sign-ins. The JWT only carries the id of a row here; every request checks the
// row (cached for a few seconds per process, so another instance sees an ending within that time).
// A sign-in ends at sign-out, password change / "sign out everywhere" (the others), when the account
// is disabled, after PORTAL_SESSION_IDLE_DAYS without use and PORTAL_SESSION_MAX_DAYS after it began.

const CACHE_MS = 3_000;
const TOUCH_EVERY_MS = 60_000;
const DAY_MS = 24 * 3600 * 1000;

interface CachedCheck {
  valid: boolean;
  until: number;
}

// `endings` counts the sign-ins ended in this process: a check whose database read began before an
// ending may have read the row still live, and must not cache that, or the ended sign-in (a password
// change, "sign out everywhere") would keep working here for up to CACHE_MS after the ending.
const state = globalThis as unknown as { portalSignInCache?: Map<string, CachedCheck>; portalSignInEndings?: number };
const cache = () => (state.portalSignInCache ??= new Map());
const endings = () => state.portalSignInEndings ?? 0;

export async function startSignInSession({ userId, ip, userAgent }: { userId: string; ip: string | null; userAgent: string | null }) {
  const id = randomBytes(18).toString("base64url");
  await db().signInSession.create({ data: { id, userId, ip, userAgent: userAgent?.slice(0, 500) ?? null } });
  return id;
}

/** Whether the sign-in `sid` of `userId` is still live; refreshes its last use now and then. */
export async function isSignInSessionLive({ sid, userId }: { sid: string; userId: string }): Promise<boolean> {
  const key = `${userId}:${sid}`;
  const cached = cache().get(key);
  if (cached && cached.until > Date.now()) return cached.valid;
  const { PORTAL_SESSION_IDLE_DAYS: idleDays, PORTAL_SESSION_MAX_DAYS: maxDays } = env();
  const endingsBefore = endings();
  const row = await db().signInSession.findUnique({
    where: { id: sid },
    select: { userId: true, createdAt: true, lastSeenAt: true, endedAt: true, user: { select: { disabledAt: true } } },
  });
  const now = Date.now();
  const valid =
    !!row &&
    row.userId === userId &&
    !row.endedAt &&
    !row.user.disabledAt &&
    now - row.createdAt.getTime() < maxDays * DAY_MS &&
    now - row.lastSeenAt.getTime() < idleDays * DAY_MS;
  if (valid && now - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    void db()
      .signInSession.update({ where: { id: sid }, data: { lastSeenAt: new Date() } })
      .catch(() => undefined);
  }
  if (cache().size > 10_000) cache().clear();
  if (endings() === endingsBefore) cache().set(key, { valid, until: now + CACHE_MS });
  return valid;
}

export async function endSignInSession(sid: string) {
  await db().signInSession.updateMany({ where: { id: sid, endedAt: null }, data: { endedAt: new Date() } });
  forget((key) => key.endsWith(`:${sid}`));
}

/** Ends every sign-in of the user but `keep` (the caller's own, when it should stay). */
export async function endSignInSessionsOf({ userId, keep }: { userId: string; keep?: string }) {
  await db().signInSession.updateMany({ where: { userId, endedAt: null, ...(keep ? { id: { not: keep } } : {}) }, data: { endedAt: new Date() } });
  forget((key) => key.startsWith(`${userId}:`) && (!keep || !key.endsWith(`:${keep}`)));
}

/** Called once the ending is committed. */
function forget(match: (key: string) => boolean) {
  state.portalSignInEndings = endings() + 1;
  for (const key of cache().keys()) if (match(key)) cache().delete(key);
}

/** When each of these people was last seen signed in (the members page). */
export async function lastSeenOf(userIds: string[]): Promise<Map<string, string | null>> {
  const rows = userIds.length === 0 ? [] : await db().signInSession.groupBy({ by: ["userId"], where: { userId: { in: userIds } }, _max: { lastSeenAt: true } });
  return new Map(rows.map((row) => [row.userId, row._max.lastSeenAt?.toISOString() ?? null]));
}

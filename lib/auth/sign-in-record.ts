import "server-only";
import { recordAuditInTeams } from "@/lib/audit";
import { db } from "@/lib/db/client";

// Every sign-in, good or failed, is recorded for the account (its sign-in history on /account) and,
// when the account is known, in the audit of each of its teams (`auth.sign_in`, `auth.sign_in_failed`),
// in one transaction. An attempt at an email no account has belongs to no team: the account table only.

export async function recordSignIn({
  userId,
  ok,
  reason,
  via,
  ip,
  userAgent,
}: {
  userId: string | null;
  ok: boolean;
  /** Why it failed (`wrong_password`, `disabled`, `sso_domain`, …); an SSO success says `sso`. */
  reason?: string;
  via: "password" | "sso";
  ip: string | null;
  userAgent: string | null;
}) {
  await db().$transaction(async (tx) => {
    await tx.signInAttempt.create({ data: { userId, ok, reason: reason ?? null, ip, userAgent: userAgent?.slice(0, 500) ?? null } });
    if (!userId) return;
    await recordAuditInTeams(tx, userId, {
      actorId: userId,
      action: ok ? "auth.sign_in" : "auth.sign_in_failed",
      targetType: "user",
      targetId: userId,
      detail: ok ? { method: via } : { method: via, reason: reason ?? "refused" },
      ip,
    });
  });
}

import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import { currentClientIp } from "@/lib/http/request-context";
import { teamIdsOf } from "@/lib/teams/membership";

// One audit entry per change, written with the transaction client of the change it records, with
// the address of the client whose request made it.

/** Every action an audit entry can name; the audit page filters by them. */
export const AUDIT_ACTIONS = [
  "auth.sign_in",
  "auth.sign_in_failed",
  "token.create",
  "token.revoke",
  "member.add",
  "member.invite",
  "member.invite_revoke",
  "member.update",
  "member.remove",
  "session.create",
  "session.prompt",
  "session.cancel",
  "session.config",
  "session.destroy",
  "session.restore",
  "permission.reply",
  "credential.set",
  "credential.remove",
  "policy.update",
  "budget.update",
  "webhook.create",
  "webhook.delete",
  "share.create",
  "share.revoke",
  "repository.add",
  "repository.remove",
  "sandbox.push",
  "terminal.open",
  "terminal.close",
  "team.mcp",
  "team.skills",
  "sso.update",
  "sso.remove",
  "team.delete",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditInput {
  teamId: string | null;
  actorId: string | null;
  action: AuditAction;
  targetType: string;
  targetId?: string | null;
  detail?: Prisma.InputJsonValue;
  /** The client's address when the change is not made under a request context of ours (next-auth's callbacks). */
  ip?: string | null;
}

export async function recordAudit(tx: Prisma.TransactionClient, entry: AuditInput) {
  await tx.auditEntry.create({
    data: {
      teamId: entry.teamId,
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      detail: entry.detail,
      ip: entry.ip ?? currentClientIp(),
    },
  });
}

/** A change of a user's own (a token, a sign-in) belongs to no team: it is recorded in each of theirs. */
export async function recordAuditInTeams(tx: Prisma.TransactionClient, userId: string, entry: Omit<AuditInput, "teamId">) {
  for (const teamId of await teamIdsOf(userId, tx)) await recordAudit(tx, { ...entry, teamId });
}

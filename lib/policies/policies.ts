import "server-only";
import { randomBytes } from "node:crypto";
import type { Prisma } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import type { PolicyJson, PolicyRule } from "@/lib/contract/policies";
import { matchingRule, toolCallFacts } from "@/lib/policies/match";
import { db } from "@/lib/db/client";

// A team's approval policy: read and replaced whole (admin+), and consulted by the permission
// intake (lib/sessions/permissions.ts) for every request an agent sends.

export async function getPolicy({ teamId }: { teamId: string }): Promise<PolicyJson> {
  const row = await db().teamPolicy.findUnique({ where: { teamId } });
  return { rules: (row?.rules as PolicyRule[] | undefined) ?? [], updatedAt: row?.updatedAt.toISOString() ?? null, updatedBy: row?.updatedBy ?? null };
}

/** Replaces the rules (ids kept where given, made where not) with its audit entry. */
export async function setPolicy({ teamId, actorId, rules }: { teamId: string; actorId: string; rules: Array<Omit<PolicyRule, "id"> & { id?: string }> }) {
  const withIds: PolicyRule[] = rules.map(({ id, ...rule }) => ({ id: id ?? `rule_${randomBytes(4).toString("hex")}`, ...rule }));
  const row = await db().$transaction(async (tx) => {
    const saved = await tx.teamPolicy.upsert({
      where: { teamId },
      create: { teamId, rules: withIds as unknown as Prisma.InputJsonValue, updatedBy: actorId },
      update: { rules: withIds as unknown as Prisma.InputJsonValue, updatedBy: actorId, updatedAt: new Date() },
    });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "policy.update",
      targetType: "team",
      targetId: teamId,
      detail: { rules: withIds as unknown as Prisma.InputJsonValue },
    });
    return saved;
  });
  return { rules: withIds, updatedAt: row.updatedAt.toISOString(), updatedBy: row.updatedBy };
}

/** The rule of the session's team that answers this tool call, or null (ask a person). */
export async function policyRuleFor({ sessionId, toolCall }: { sessionId: string; toolCall: Parameters<typeof toolCallFacts>[0] }) {
  const rows = await db().$queryRaw<Array<{ rules: PolicyRule[] }>>`
    SELECT p.rules FROM team_policies p JOIN sessions s ON s.team_id = p.team_id WHERE s.id = ${sessionId}`;
  const rules = rows[0]?.rules ?? [];
  if (rules.length === 0) return null;
  const rule = matchingRule(rules, toolCallFacts(toolCall));
  return rule && rule.action !== "ask" ? rule : null;
}

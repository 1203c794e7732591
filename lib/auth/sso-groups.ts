import "server-only";
import { recordAudit } from "@/lib/audit";
import { resolveTeams } from "@/lib/auth/sso-config";
import type { GroupRole } from "@/lib/contract/sso";
import { ROLES, type Role } from "@/lib/contract/roles";
import { db } from "@/lib/db/client";
import { notifyMembershipChanged } from "@/lib/events/live-hub";
import { logger } from "@/lib/log";

// The provider's groups become team roles at every SSO sign-in. A membership the mapping granted
// remembers its group (memberships.sso_group): the next sign-in gives it the role the mapping says
// now, and takes it back when the person left every group mapped to that team. A membership granted
// by hand (sso_group NULL, or a role changed by hand since) is never touched, and a team never loses
// its last owner this way. Each change is one transaction with the team's row lock (as every member
// change, lib/teams/members.ts), its audit entry (actor: nobody, `via: "sso"`) and the NOTIFY.

const log = logger("auth");

/** The groups a claim lists: an array of strings, or one string; anything else lists none. */
export function groupsOf(claim: unknown): string[] {
  if (typeof claim === "string") return [claim];
  return Array.isArray(claim) ? claim.filter((group): group is string => typeof group === "string") : [];
}

interface Grant {
  role: Role;
  group: string;
}

/**
 * Per team, the highest role the person's groups map to (and the group that gives it); and the teams
 * a line names ambiguously (a name two teams share), which are left as they are: a second team
 * taking a mapped team's name must not take its SSO members away.
 */
async function grantsFor(groups: string[], mapping: GroupRole[]): Promise<{ grants: Map<string, Grant>; unsure: Set<string> }> {
  const teams = await resolveTeams(mapping.map((line) => line.team));
  const grants = new Map<string, Grant>();
  const unsure = new Set<string>();
  for (const line of mapping) {
    const team = teams.get(line.team);
    if (team && "ambiguous" in team) for (const id of team.ambiguous) unsure.add(id);
    if (!groups.includes(line.group)) continue;
    if (!team || "ambiguous" in team) {
      log.warn({ group: line.group, team: line.team, found: team ? "several" : "none" }, "an SSO group mapping names no single team; it is skipped");
      continue;
    }
    const held = grants.get(team.id);
    if (!held || ROLES.indexOf(line.role) > ROLES.indexOf(held.role)) grants.set(team.id, { role: line.role, group: line.group });
  }
  return { grants, unsure };
}

/** Brings the SSO-granted memberships of a user in line with the groups the provider just vouched for. */
export async function applyGroupRoles({ userId, email, groups, mapping }: { userId: string; email: string; groups: string[]; mapping: GroupRole[] }) {
  const { grants, unsure } = await grantsFor(groups, mapping);
  const granted = await db().membership.findMany({ where: { userId, ssoGroup: { not: null } }, select: { teamId: true } });
  // In a fixed order, so two sign-ins of one person never wait on each other's team locks crosswise.
  const teamIds = [...new Set([...grants.keys(), ...granted.map((row) => row.teamId).filter((id) => !unsure.has(id))])].sort();
  for (const teamId of teamIds) await applyToTeam({ teamId, userId, email, grant: grants.get(teamId) ?? null });
}

async function applyToTeam({ teamId, userId, email, grant }: { teamId: string; userId: string; email: string; grant: Grant | null }) {
  await db().$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM teams WHERE id = ${teamId} FOR UPDATE`;
    if (locked.length === 0) return;
    const held = await tx.membership.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { role: true, ssoGroup: true } });
    if (held && held.ssoGroup === null) return;
    const audit = (action: "member.add" | "member.update" | "member.remove", detail: Record<string, string>) =>
      recordAudit(tx, { teamId, actorId: null, action, targetType: "user", targetId: userId, detail: { email, via: "sso", ...detail } });
    const lastOwner = async () => held?.role === "owner" && (await tx.membership.count({ where: { teamId, role: "owner", userId: { not: userId } } })) === 0;

    if (grant && !held) {
      await tx.membership.create({ data: { teamId, userId, role: grant.role, ssoGroup: grant.group } });
      await audit("member.add", { role: grant.role, group: grant.group });
    } else if (grant && held) {
      if (held.role === grant.role && held.ssoGroup === grant.group) return;
      const demotion = ROLES.indexOf(grant.role) < ROLES.indexOf(held.role);
      if (demotion && (await lastOwner())) {
        log.warn({ teamId, userId }, "an SSO group mapping would demote the team's last owner; the role stays");
        return;
      }
      await tx.membership.update({ where: { teamId_userId: { teamId, userId } }, data: { role: grant.role, ssoGroup: grant.group } });
      if (held.role === grant.role) return;
      await audit("member.update", { from: held.role, to: grant.role, group: grant.group });
    } else if (held) {
      if (await lastOwner()) {
        log.warn({ teamId, userId }, "the team's last owner left its SSO group; the membership stays");
        return;
      }
      await tx.membership.delete({ where: { teamId_userId: { teamId, userId } } });
      await audit("member.remove", { role: held.role, group: held.ssoGroup! });
    } else return;
    await notifyMembershipChanged(tx, { teamId, userId });
  });
}

import "server-only";
import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { forbidden, unprocessable } from "@/lib/errors";
import { effectsFromConfigOptions } from "@/lib/events/classify";
import { eventWriter } from "@/lib/events/writer";
import { DEMO_AGENT } from "@/lib/runtime/agents";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { recordPortalEvent, recordStatus } from "@/lib/sessions/portal-events";
import { attachedSdk, createOnRuntime, links } from "@/lib/sessions/runtime-link";
import { listAgents } from "@/lib/sessions/agents";
import { assertWritable } from "@/lib/sessions/turns";
import type { Role, Session } from "@/generated/prisma/client";
import { requireTeamRole, roleAtLeast } from "@/lib/teams/access";

// Creating and destroying sessions.

export interface CreateSessionInput {
  teamId: string;
  agent: string;
  title?: string;
  cwd?: string;
  model?: string;
  mode?: string;
  thoughtLevel?: string;
}

export async function createSession({ userId, input }: { userId: string; input: CreateSessionInput }) {
  await requireTeamRole({ userId, teamId: input.teamId, role: "member" });
  const agents = await listAgents();
  const agent = agents.find((candidate) => candidate.id === input.agent);
  if (!agent) {
    throw unprocessable(`Unknown agent "${input.agent}".`, [{ path: "agent", message: `must be one of: ${agents.map((a) => a.id).join(", ")}` }]);
  }
  if (!agent.installed || agent.missing) {
    throw unprocessable(`The agent "${agent.id}" cannot start here: ${agent.missing ?? "it is not installed in the runtime"}.`, [
      { path: "agent", message: agent.missing ?? "not installed" },
    ]);
  }

  // The row exists first: the runtime's first events (session/new) are mirrored against it.
  const session = await db().session.create({
    data: {
      id: randomUUID(),
      teamId: input.teamId,
      createdById: userId,
      title: input.title?.trim() || defaultTitle(input.agent),
      agent: input.agent,
      cwd: input.cwd ?? null,
    },
  });
  let created;
  try {
    created = await createOnRuntime(session, input, { strict: true });
  } catch (error) {
    await eventWriter().flushed();
    await db().session.delete({ where: { id: session.id } }).catch(() => undefined);
    links.attached.delete(session.id);
    throw error;
  }
  recordStatus(session.id, "idle", { modes: created.modes, ...effectsFromConfigOptions(created.configOptions) });
  await db().$transaction(async (tx) => {
    await recordAudit(tx, { teamId: input.teamId, actorId: userId, action: "session.create", targetType: "session", targetId: session.id, detail: { agent: input.agent } });
  });
  await eventWriter().flushed();
  return db().session.findUniqueOrThrow({ where: { id: session.id } });
}

function defaultTitle(agent: string) {
  const when = new Date().toISOString().slice(0, 16).replace("T", " ");
  return `${agent === DEMO_AGENT ? "Demo" : agent} session ${when} UTC`;
}

export async function destroySession({ session, userId, role }: { session: Session; userId: string; role: Role }) {
  if (!roleAtLeast(role, "admin") && session.createdById !== userId) throw forbidden("Members can destroy their own sessions; admins can destroy any.");
  assertWritable(session);
  const sdk = await attachedSdk(session.id).catch(() => null);
  if (sdk) await sdk.destroySession(session.id).catch(() => undefined);
  const turnId = links.runningTurns.get(session.id);
  links.runningTurns.delete(session.id);
  links.attached.delete(session.id);
  links.seeds.delete(session.id);
  persistDriver().forget(session.id);
  const pending = await db().permission.findMany({ where: { sessionId: session.id, status: "pending" }, select: { id: true } });
  await db().$transaction(async (tx) => {
    await tx.permission.updateMany({ where: { sessionId: session.id, status: "pending" }, data: { status: "cancelled", resolvedAt: new Date(), resolvedBy: userId } });
    await tx.session.update({ where: { id: session.id }, data: { status: "destroyed", destroyedAt: new Date(), currentTurnId: null } });
    await recordAudit(tx, { teamId: session.teamId, actorId: userId, action: "session.destroy", targetType: "session", targetId: session.id });
  });
  for (const { id } of pending) recordPortalEvent(session.id, { type: "permission_resolved", permissionId: id, reply: "cancelled", by: userId });
  if (turnId) recordPortalEvent(session.id, { type: "turn_ended", turnId, stopReason: "cancelled" }, { lastStopReason: "cancelled" });
  recordStatus(session.id, "destroyed", { currentTurnId: null });
}

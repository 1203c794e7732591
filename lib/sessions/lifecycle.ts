import "server-only";
import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { conflict, forbidden } from "@/lib/errors";
import { effectsFromConfigOptions } from "@/lib/events/classify";
import { eventWriter, type SessionEffects } from "@/lib/events/writer";
import { DEMO_AGENT } from "@/lib/runtime/agents";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { recordPortalEvent, recordStatus } from "@/lib/sessions/portal-events";
import { attachedSdk, createOnRuntime, links } from "@/lib/sessions/runtime-link";
import { requireStartableAgent } from "@/lib/sessions/agents";
import { destroySandboxIfUnused, resolveCwd, sandboxForNewSession } from "@/lib/sandboxes/sandboxes";
import { applySetting, rejectedSettings } from "@/lib/sessions/settings";
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
  sandboxId?: string;
}

export async function createSession({ userId, input }: { userId: string; input: CreateSessionInput }) {
  await requireTeamRole({ userId, teamId: input.teamId, role: "member" });
  await requireStartableAgent(input.agent);
  const sandbox = await sandboxForNewSession({ teamId: input.teamId, sandboxId: input.sandboxId });
  const cwd = resolveCwd(sandbox.workspace, input.cwd);

  // The row exists first: the runtime's first events (session/new) are mirrored against it.
  const session = await db().session.create({
    data: {
      id: randomUUID(),
      teamId: input.teamId,
      createdById: userId,
      title: input.title?.trim() || defaultTitle(input.agent),
      agent: input.agent,
      cwd,
      sandboxId: sandbox.id,
    },
  });
  let effects: SessionEffects;
  try {
    effects = await startOnRuntime(session, input);
  } catch (error) {
    await discardSession(session.id);
    await destroySandboxIfUnused(sandbox.id).catch(() => undefined);
    throw error;
  }
  // The agent's answers to the settings trail their responses; let them land before the status.
  await persistDriver().settled(session.id, 40, 1_000);
  recordStatus(session.id, "idle", effects);
  await db().$transaction(async (tx) => {
    await recordAudit(tx, {
      teamId: input.teamId,
      actorId: userId,
      action: "session.create",
      targetType: "session",
      targetId: session.id,
      detail: { agent: input.agent, sandboxId: session.sandboxId, ...pick(input, ["cwd", "model", "mode", "thoughtLevel"]) },
    });
  });
  await eventWriter().flushed();
  return db().session.findUniqueOrThrow({ where: { id: session.id } });
}

/**
 * Creates the runtime session, checks the requested settings against what the agent reported at
 * session/new (a 422 naming what it offers), then applies them. Returns the resulting session state.
 */
async function startOnRuntime(session: Session, input: CreateSessionInput): Promise<SessionEffects> {
  const created = await createOnRuntime(session, { cwd: session.cwd }, { strict: true });
  let known: { configOptions: unknown; modes: unknown } = created;
  const rejected = rejectedSettings(input, known);
  if (rejected) throw rejected;
  let effects: SessionEffects = { modes: created.modes, ...effectsFromConfigOptions(created.configOptions) };
  const sdk = await attachedSdk(session.id);
  for (const field of ["mode", "model", "thoughtLevel"] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (!sdk) throw conflict("The runtime went away while the session was being created; try again.");
    const applied = await applySetting(sdk, session.id, field, value, known);
    known = applied;
    effects = { ...effects, ...applied.effects, modes: applied.modes };
  }
  return effects;
}

/** A session whose creation failed leaves nothing behind: not on the runtime, not in the list. */
async function discardSession(sessionId: string) {
  const sdk = await attachedSdk(sessionId).catch(() => null);
  if (sdk) await sdk.destroySession(sessionId).catch(() => undefined);
  await eventWriter().flushed();
  await db().session.delete({ where: { id: sessionId } }).catch(() => undefined);
  links.attached.delete(sessionId);
  persistDriver().forget(sessionId);
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
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
  await destroySandboxIfUnused(session.sandboxId);
}

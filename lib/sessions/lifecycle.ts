import "server-only";
import { randomUUID } from "node:crypto";
import type { Session } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import type { SessionEffects } from "@/lib/events/types";
import { eventWriter } from "@/lib/events/writer";
import { DEMO_AGENT } from "@/lib/runtime/agents";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { sandboxFromRepository } from "@/lib/sandboxes/repository";
import { applyTeamConfig } from "@/lib/sandboxes/team-config";
import { destroySandboxIfUnused, forgetSessionSandbox, resolveCwd, sandboxForNewSession, settleSandboxAfterDestroy } from "@/lib/sandboxes/sandboxes";
import { requireStartableAgent } from "@/lib/sessions/agents";
import { attachments, sdkForSession } from "@/lib/sessions/attachments";
import { assertWritable } from "@/lib/sessions/guards";
import { recordChange } from "@/lib/sessions/journal";
import { cancelPending } from "@/lib/sessions/permissions";
import { applySettings, createOnRuntime, rejectedSettings } from "@/lib/sessions/runtime-session";

// Creating and destroying sessions. Who may is decided by the route wrapper (a member of the
// team creates; the creator or an admin destroys).

export interface CreateSessionInput {
  teamId: string;
  agent: string;
  title?: string;
  cwd?: string;
  model?: string;
  mode?: string;
  thoughtLevel?: string;
  sandboxId?: string;
  /** Start a new sandbox as a clone of this team repository (on `branch`, else its default branch). */
  repositoryId?: string;
  branch?: string;
}

export async function createSessionOnOwner({ userId, input }: { userId: string; input: CreateSessionInput }): Promise<Session> {
  await requireStartableAgent({ agentId: input.agent, teamId: input.teamId });
  const sandbox = input.repositoryId
    ? await sandboxFromRepository({ teamId: input.teamId, repositoryId: input.repositoryId, branch: input.branch })
    : await sandboxForNewSession({ teamId: input.teamId, sandboxId: input.sandboxId });
  // A new sandbox gets the team's MCP servers and skills before its first session/new reads them.
  if (!input.sandboxId)
    await applyTeamConfig(sandbox).catch(async (error: unknown) => {
      await destroySandboxIfUnused(sandbox.id).catch(() => undefined);
      throw error;
    });
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
  // The agent's own reports of the settings (mode/config updates) trail its answers, on the SSE
  // stream of another connection, with no position the answers refer to (see endTurn in turns.ts):
  // let them land before the status.
  await persistDriver().settled(session.id, 40, 1_000);
  const created = await recordChange({
    sessionId: session.id,
    event: { type: "status", status: "idle" },
    effects: { ...effects, status: "idle" },
    audit: {
      actorId: userId,
      action: "session.create",
      detail: { agent: input.agent, sandboxId: session.sandboxId, ...pick(input, ["cwd", "model", "mode", "thoughtLevel", "repositoryId", "branch"]) },
    },
  });
  return created ?? session;
}

/**
 * Creates the runtime session, checks the requested settings against what the agent reported at
 * session/new (a 422 naming what it offers), then applies them. Returns the resulting session state.
 */
async function startOnRuntime(session: Session, input: CreateSessionInput): Promise<SessionEffects> {
  const { sdk, offer } = await createOnRuntime(session, session.cwd);
  const rejected = rejectedSettings(input, offer);
  if (rejected) throw rejected;
  return applySettings(sdk, session.id, input, offer, { strict: true });
}

/** A session whose creation failed leaves nothing behind: not on the runtime, not in the list. */
async function discardSession(sessionId: string) {
  const sdk = await sdkForSession(sessionId).catch(() => null);
  if (sdk) await sdk.destroySession(sessionId).catch(() => undefined);
  await eventWriter()
    .flushed()
    .catch(() => undefined);
  await db()
    .session.delete({ where: { id: sessionId } })
    .catch(() => undefined);
  attachments().detach(sessionId);
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

export async function destroySessionOnOwner({ session, userId }: { session: Session; userId: string }): Promise<Session> {
  assertWritable(session);
  const sdk = await sdkForSession(session.id).catch(() => null);
  if (sdk) await sdk.destroySession(session.id).catch(() => undefined);
  const { turnId } = attachments().detach(session.id);
  await cancelPending({ sessionId: session.id, by: userId });
  const destroyed = await recordChange({
    sessionId: session.id,
    event: [...(turnId ? [{ type: "turn_ended" as const, turnId, stopReason: "cancelled" }] : []), { type: "status", status: "destroyed" }],
    effects: { status: "destroyed", destroyedAt: new Date().toISOString(), currentTurnId: null, ...(turnId ? { lastStopReason: "cancelled" } : {}) },
    audit: { actorId: userId, action: "session.destroy" },
  });
  // A destroyed session runs nothing again: its entry in the session → sandbox cache goes with it.
  forgetSessionSandbox(session.id);
  await settleSandboxAfterDestroy(session.sandboxId, session.agent);
  return destroyed ?? session;
}

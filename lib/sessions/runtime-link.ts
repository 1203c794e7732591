import "server-only";
import type { SandboxAgent, Session as SdkSession, SessionPermissionRequest } from "sandbox-agent";
import type { UnsupportedSessionValueError } from "sandbox-agent";
import type { Session } from "@/generated/prisma/client";
import { db } from "@/lib/db/client";
import { ApiError, isApiError, unprocessable } from "@/lib/errors";
import { effectsFromConfigOptions } from "@/lib/events/classify";
import { rebuildLastMessage } from "@/lib/events/repair-messages";
import { eventWriter } from "@/lib/events/writer";
import { runtimeAgentId } from "@/lib/runtime/agents";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { recordPortalEvent, recordStatus } from "@/lib/sessions/portal-events";
import { buildSeed } from "@/lib/sessions/seed";
import { insideWorkspace, runtimeForSession, sandboxOfSession } from "@/lib/sandboxes/sandboxes";

// Which portal sessions live on which runtime generation, and what happens when one is lost:
// running turns end as interrupted, pending permissions expire, sessions become restorable. A
// restorable session gets a new runtime session with the same agent and settings, seeded with the
// conversation so far (lib/sessions/seed.ts), before its next prompt.

interface LinkState {
  attached: Map<string, number>;
  runningTurns: Map<string, string>;
  seeds: Map<string, string>;
}

const globalLinks = globalThis as unknown as { portalSessionLinks?: LinkState };
export const links: LinkState = (globalLinks.portalSessionLinks ??= { attached: new Map(), runningTurns: new Map(), seeds: new Map() });

export interface RuntimeSettings {
  cwd?: string | null;
  model?: string | null;
  mode?: string | null;
  thoughtLevel?: string | null;
}

/** Creates the runtime session for a portal session on the live runtime. */
export async function createOnRuntime(session: Pick<Session, "id" | "agent">, settings: RuntimeSettings, options: { strict: boolean }) {
  const sandbox = await sandboxOfSession(session.id);
  const { sdk, generation } = await (await runtimeForSession(session.id)).sdk();
  skipSdkIndexScan(sdk, session.id);
  // Sessions from before sandboxes may name a host directory: they continue in the workspace.
  const cwd = (settings.cwd ? insideWorkspace(sandbox.workspace, settings.cwd) : null) ?? sandbox.workspace;
  let handle: SdkSession;
  try {
    handle = await sdk.createSession({ id: session.id, agent: runtimeAgentId(session.agent), cwd });
  } catch (error) {
    throw runtimeError(error);
  }
  attach(sdk, session.id, generation);
  for (const [apply, value] of [
    [(v: string) => sdk.setSessionMode(session.id, v), settings.mode],
    [(v: string) => sdk.setSessionModel(session.id, v), settings.model],
    [(v: string) => sdk.setSessionThoughtLevel(session.id, v), settings.thoughtLevel],
  ] as const) {
    if (!value) continue;
    try {
      handle = (await apply(value)).session;
    } catch (error) {
      if (options.strict) throw runtimeError(error);
    }
  }
  const record = handle.toRecord();
  return { configOptions: record.configOptions ?? [], modes: record.modes ?? null };
}

function attach(sdk: SandboxAgent, sessionId: string, generation: number) {
  links.attached.set(sessionId, generation);
  sdk.onPermissionRequest(sessionId, (request) => void storePermissionRequest(sessionId, request));
}

/** The SDK for a session that must already live on the runtime (settings, cancel, permissions). */
export async function attachedSdk(sessionId: string) {
  // Not attached: nothing to ask its sandbox, which need not be started for that.
  if (!links.attached.has(sessionId)) return null;
  const { sdk, generation } = await (await runtimeForSession(sessionId)).sdk();
  if (links.attached.get(sessionId) !== generation) return null;
  return sdk;
}

/** Restores a session that lost its runtime session; a no-op when it is attached. */
export async function restoreSession(session: Session, actorId: string | null): Promise<boolean> {
  if (await attachedSdk(session.id).catch(() => null)) return false;
  const fromIndex = session.eventCount;
  const created = await createOnRuntime(session, session, { strict: false });
  const seed = await buildSeed(session.id);
  if (seed) links.seeds.set(session.id, seed);
  await db().auditEntry.create({
    data: { teamId: session.teamId, actorId, action: "session.restore", targetType: "session", targetId: session.id, detail: { fromIndex } },
  });
  recordPortalEvent(
    session.id,
    { type: "restored", fromIndex },
    { status: "idle", currentTurnId: null, modes: created.modes, ...effectsFromConfigOptions(created.configOptions) },
  );
  // Committed before returning: a prompt that follows marks the session running, and this `idle`
  // must not land after it.
  await eventWriter().flushed();
  return true;
}

/** Called by the runtime manager when a runtime generation is gone. */
export async function onRuntimeLost(generation: number) {
  const lost = [...links.attached].filter(([, gen]) => gen === generation).map(([id]) => id);
  for (const sessionId of lost) {
    links.attached.delete(sessionId);
    links.seeds.delete(sessionId);
    persistDriver().forget(sessionId);
    const turnId = links.runningTurns.get(sessionId);
    links.runningTurns.delete(sessionId);
    await expirePermissions(sessionId);
    if (turnId) {
      recordPortalEvent(
        sessionId,
        { type: "turn_ended", turnId, stopReason: "interrupted" },
        { lastStopReason: "interrupted", currentTurnId: null },
      );
    }
    // The status changes with its events, in one transaction (no `restorable` without its turn end).
    recordStatus(sessionId, "restorable", { currentTurnId: null });
  }
}

/** An external runtime stopped answering: its sessions are offline until it is back or lost. */
export async function onRuntimeDown(generation: number) {
  const affected = [...links.attached].filter(([, gen]) => gen === generation).map(([id]) => id);
  for (const sessionId of affected) recordStatus(sessionId, "offline");
  if (affected.length > 0) await db().session.updateMany({ where: { id: { in: affected }, status: { in: ["idle", "running"] } }, data: { status: "offline" } });
}

/** The runtime answers again with the same sessions: they pick up where they were. */
export async function onRuntimeBack(generation: number) {
  const affected = [...links.attached].filter(([, gen]) => gen === generation).map(([id]) => id);
  for (const sessionId of affected) {
    const status = links.runningTurns.has(sessionId) ? "running" : "idle";
    recordStatus(sessionId, status);
    await db().session.updateMany({ where: { id: sessionId, status: "offline" }, data: { status } });
  }
}

/** On boot nothing is attached: every live-looking session from before is restorable. */
export async function markOrphanedSessionsRestorable() {
  const orphaned = await db().session.findMany({ where: { status: { in: ["idle", "running", "offline"] } }, select: { id: true, currentTurnId: true } });
  for (const session of orphaned) {
    await expirePermissions(session.id);
    if (session.currentTurnId) {
      await rebuildLastMessage(session.id);
      recordPortalEvent(session.id, { type: "turn_ended", turnId: session.currentTurnId, stopReason: "interrupted" }, { lastStopReason: "interrupted" });
    }
    recordStatus(session.id, "restorable", { currentTurnId: null });
  }
  await db().session.updateMany({ where: { id: { in: orphaned.map((s) => s.id) } }, data: { status: "restorable", currentTurnId: null } });
  return orphaned.length;
}

async function expirePermissions(sessionId: string) {
  const pending = await db().permission.findMany({ where: { sessionId, status: "pending" }, select: { id: true } });
  if (pending.length === 0) return;
  await db().permission.updateMany({ where: { id: { in: pending.map((p) => p.id) }, status: "pending" }, data: { status: "expired", resolvedAt: new Date() } });
  for (const { id } of pending) recordPortalEvent(sessionId, { type: "permission_resolved", permissionId: id, reply: "expired", by: null });
}

async function storePermissionRequest(sessionId: string, request: SessionPermissionRequest) {
  const toolCall = {
    title: request.toolCall.title ?? "Tool call",
    kind: request.toolCall.kind ?? "other",
    // Lets the transcript put the request inside the card of the tool call it is about.
    ...(request.toolCall.toolCallId ? { toolCallId: request.toolCall.toolCallId } : {}),
    ...(request.toolCall.rawInput !== undefined ? { rawInput: request.toolCall.rawInput } : {}),
  };
  const options = request.options.map((option) => ({ optionId: option.optionId, name: option.name, kind: option.kind }));
  await db().permission.create({
    data: { id: request.id, sessionId, turnId: links.runningTurns.get(sessionId) ?? null, toolCall, options, createdAt: new Date(request.createdAt) },
  });
  recordPortalEvent(sessionId, { type: "permission_requested", permissionId: request.id, toolCall, options });
}

// SDK 0.4.2 numbers events itself and, on the first event of a session in a new SDK instance, pages
// through the whole stored history to find the last number. The portal does not use that number
// (the writer assigns the index), so the scan would only make restores cost O(history). Start the
// SDK's counter instead; without the private map this falls back to the SDK's scan.
function skipSdkIndexScan(sdk: SandboxAgent, sessionId: string) {
  const counters = (sdk as unknown as { nextSessionEventIndexBySession?: unknown }).nextSessionEventIndexBySession;
  if (counters instanceof Map && !counters.has(sessionId)) counters.set(sessionId, 1);
}

/** Maps SDK errors to what the caller can act on. */
export function runtimeError(error: unknown): Error {
  if (isApiError(error)) return error;
  // By name: the SDK instance (and its error classes) may come from another bundle than this module.
  if (error instanceof Error && error.name === "UnsupportedSessionValueError") {
    const { category, allowedValues } = error as UnsupportedSessionValueError;
    return unprocessable(`This agent does not offer that ${category.replace("_", " ")}. Allowed: ${allowedValues.join(", ")}.`, [
      { path: category === "thought_level" ? "thoughtLevel" : category, message: `must be one of: ${allowedValues.join(", ")}` },
    ]);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/fetch failed|ECONNREFUSED|socket|network|aborted/i.test(message)) {
    return new ApiError(503, "The agent runtime is unreachable; try again shortly.", { retryAfterSeconds: 2 });
  }
  return new ApiError(502, `The agent runtime refused the request: ${message.slice(0, 300)}`);
}

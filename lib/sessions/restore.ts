import "server-only";
import type { SandboxAgent } from "sandbox-agent";
import type { Session } from "@/generated/prisma/client";
import { conflict } from "@/lib/errors";
import { attachments, sdkForSession } from "@/lib/sessions/attachments";
import { assertWritable } from "@/lib/sessions/guards";
import { recordChange } from "@/lib/sessions/journal";
import { applySettings, createOnRuntime, loadOnRuntime } from "@/lib/sessions/runtime-session";
import { buildSeed } from "@/lib/sessions/seed";

// A session that lost its runtime session (runtime restarted, portal restarted) comes back on its
// runtime: its agent loads its own session when it can (ACP session/load: Claude Code and Codex keep
// theirs in the sandbox's home), otherwise a new one with the same agent and settings is seeded with
// the conversation so far (lib/sessions/seed.ts) on its next prompt. Its `restored` event (saying
// which), `idle` status and audit entry are one change.

// Two commands for one restorable session (two prompts, a prompt and a settings change) share one
// restore: a second would make a second runtime session for the same portal session.
// (On globalThis: route bundles and the boot bundle each have their own copy of this module.)
const globalRestoring = globalThis as unknown as { portalRestoring?: Map<string, Promise<Session>> };
const restoring = (globalRestoring.portalRestoring ??= new Map());

/** Restores the session unless it is attached; returns the committed session either way. */
export function restoreSession(session: Session, actorId: string | null): Promise<Session> {
  const pending = restoring.get(session.id);
  if (pending) return pending;
  const restore = restoreOnce(session, actorId).finally(() => restoring.delete(session.id));
  restoring.set(session.id, restore);
  return restore;
}

async function restoreOnce(session: Session, actorId: string | null): Promise<Session> {
  if (await sdkForSession(session.id).catch(() => null)) return session;
  const fromIndex = session.eventCount;
  const loaded = await loadOnRuntime(session);
  const method = loaded ? "load" : "replay";
  const { sdk, offer } = loaded ?? (await createOnRuntime(session, session.cwd));
  const effects = await applySettings(sdk, session.id, session, offer, { strict: false });
  if (!loaded) {
    const seed = await buildSeed(session.id);
    if (seed) attachments().setSeed(session.id, seed);
  }
  // Waited for: a prompt that follows marks the session running, and this `idle` must not land after it.
  const restored = await recordChange({
    sessionId: session.id,
    event: { type: "restored", fromIndex, method },
    effects: { ...effects, status: "idle", currentTurnId: null },
    audit: { actorId, action: "session.restore", detail: { fromIndex, method } },
  });
  return restored ?? session;
}

/** The SDK of a session that must be live for a command, restoring it first when it is not. */
export async function liveSdk(session: Session, actorId: string): Promise<SandboxAgent> {
  const sdk = (await sdkForSession(session.id)) ?? (await restoreSession(session, actorId), await sdkForSession(session.id));
  if (!sdk) throw conflict("runtime_session_gone", "The session could not be attached to the runtime.");
  return sdk;
}

/** POST /resume: brings a session back onto the runtime now rather than at its next prompt. */
export async function resumeSessionOnOwner({ session, userId }: { session: Session; userId: string }): Promise<Session> {
  assertWritable(session);
  if (session.status === "running") return session;
  return restoreSession(session, userId);
}

import "server-only";
import type { SandboxAgent } from "sandbox-agent";
import type { RuntimeManager } from "@/lib/runtime/manager";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { runtimeForSession as sandboxRuntimeOf } from "@/lib/sandboxes/sandboxes";
import { announceQueuePosition } from "@/lib/sessions/sandbox-queue";

// What this portal process holds of each session on the runtime: the runtime generation its runtime
// session lives on, the turn it is running, and the seed its next prompt carries after a restore.
// One object owns all of it and one `detach` lets go of a session. The database (the journal) says
// what a session is; this says what this process can do with it now. Only the instance that owns a
// session's sandbox attaches it (lib/cluster/lease.ts; commands reach it through lib/cluster/commands.ts).

interface Attachment {
  generation: number;
  turnId: string | null;
  /** Whose prompt started the running turn (its model calls are that person's). */
  turnUserId: string | null;
  /** The running turn was cancelled because the event queue passed its budget. */
  paused: boolean;
  /** The runtime refused the running turn's prompt while its agent lived: however it ends, it failed. */
  failed: boolean;
  seed: string | null;
}

export class Attachments {
  private readonly sessions = new Map<string, Attachment>();

  attach(sessionId: string, generation: number) {
    this.sessions.set(sessionId, { generation, turnId: null, turnUserId: null, paused: false, failed: false, seed: null });
  }

  /** Lets go of everything this process holds for the session; returns the turn it was running, and whether it failed. */
  detach(sessionId: string): { turnId: string | null; failed: boolean } {
    const attachment = this.sessions.get(sessionId);
    this.sessions.delete(sessionId);
    persistDriver().forget(sessionId);
    return { turnId: attachment?.turnId ?? null, failed: Boolean(attachment?.turnId && attachment.failed) };
  }

  /** Attached to some runtime generation (which may since be gone: sdkForSession checks that). */
  has(sessionId: string) {
    return this.sessions.has(sessionId);
  }

  isAttached(sessionId: string, generation: number) {
    return this.sessions.get(sessionId)?.generation === generation;
  }

  /** The sessions attached to one runtime generation. */
  sessionsOn(generation: number): string[] {
    return [...this.sessions].filter(([, attachment]) => attachment.generation === generation).map(([id]) => id);
  }

  setSeed(sessionId: string, seed: string) {
    const attachment = this.sessions.get(sessionId);
    if (attachment) attachment.seed = seed;
  }

  /** The seed for the next prompt, given once. */
  takeSeed(sessionId: string): string | null {
    const attachment = this.sessions.get(sessionId);
    const seed = attachment?.seed ?? null;
    if (attachment) attachment.seed = null;
    return seed;
  }

  startTurn(sessionId: string, turnId: string, userId: string) {
    const attachment = this.sessions.get(sessionId);
    if (attachment) Object.assign(attachment, { turnId, turnUserId: userId, paused: false, failed: false });
  }

  runningTurn(sessionId: string): string | null {
    return this.sessions.get(sessionId)?.turnId ?? null;
  }

  runningTurns(): Array<{ sessionId: string; turnId: string; userId: string | null }> {
    return [...this.sessions].flatMap(([sessionId, { turnId, turnUserId }]) => (turnId ? [{ sessionId, turnId, userId: turnUserId }] : []));
  }

  pauseTurn(sessionId: string) {
    const attachment = this.sessions.get(sessionId);
    if (attachment?.turnId) attachment.paused = true;
  }

  failTurn(sessionId: string, turnId: string) {
    const attachment = this.sessions.get(sessionId);
    if (attachment?.turnId === turnId) attachment.failed = true;
  }

  /** Ends the turn if it is still the running one; null when it already ended (lost, destroyed, ended twice). */
  endTurn(sessionId: string, turnId: string): { paused: boolean } | null {
    const attachment = this.sessions.get(sessionId);
    if (!attachment || attachment.turnId !== turnId) return null;
    const { paused } = attachment;
    Object.assign(attachment, { turnId: null, turnUserId: null, paused: false, failed: false });
    return { paused };
  }
}

const globalAttachments = globalThis as unknown as { portalAttachments?: Attachments };

export function attachments(): Attachments {
  globalAttachments.portalAttachments ??= new Attachments();
  return globalAttachments.portalAttachments;
}

/** The runtime a session's agent runs on: its sandbox's (started when it is not running; a wait for a slot shows in the session). */
export function runtimeForSession(sessionId: string): Promise<RuntimeManager> {
  return sandboxRuntimeOf(sessionId, (position) => announceQueuePosition(sessionId, position));
}

/** The SDK for a session that must already live on its runtime (settings, cancel, permissions); null when it does not. */
export async function sdkForSession(sessionId: string): Promise<SandboxAgent | null> {
  // Not attached: nothing to ask its sandbox, which need not be started for that.
  if (!attachments().has(sessionId)) return null;
  const { sdk, generation } = await (await runtimeForSession(sessionId)).sdk();
  return attachments().isAttached(sessionId, generation) ? sdk : null;
}

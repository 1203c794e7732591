import "server-only";
import { randomUUID } from "node:crypto";

// This portal process's identity among the instances on one database: its lease row
// (lib/cluster/lease.ts), the owner of its sandboxes, and the sender of its NOTIFYs
// (lib/events/live-hub.ts). New at every start: a restarted instance is another instance.

const globalInstance = globalThis as unknown as { portalInstanceId?: string };

export function instanceId(): string {
  globalInstance.portalInstanceId ??= randomUUID();
  return globalInstance.portalInstanceId;
}

const globalOwned = globalThis as unknown as { portalOwnedSandboxes?: Set<string> };

/**
 * The sandboxes this instance owns (lib/cluster/takeover.ts decides; lib/sandboxes asks before it
 * starts a runtime, so no sandbox ever runs on two instances).
 */
export function ownedSandboxes(): Set<string> {
  globalOwned.portalOwnedSandboxes ??= new Set();
  return globalOwned.portalOwnedSandboxes;
}

import "server-only";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

// WebSocket upgrades reach the portal through its server (scripts/server.mjs), which is plain Node
// outside Next's module graph: the portal puts its upgrade handler on this global slot at boot, and
// the server hands it every upgrade first. The handler returns false for a path it does not take
// (the server then gives the upgrade to Next's own handler).

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/** The slot's name; scripts/server.mjs reads the same one. */
export const UPGRADE_SLOT = Symbol.for("agent-portal.upgrade");

export function setUpgradeHandler(handler: UpgradeHandler) {
  (globalThis as Record<symbol, unknown>)[UPGRADE_SLOT] = handler;
}

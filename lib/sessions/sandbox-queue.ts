import "server-only";
import { errorField, logger } from "@/lib/log";
import { recordChange } from "@/lib/sessions/journal";

const log = logger("sessions");

/**
 * A session whose sandbox waits in line for a slot (lib/sandboxes/pool.ts admit()) says so in its
 * history, each new place once ("waiting for a sandbox: 2nd in line"), and 0 when it got one, so
 * whoever watches the session sees why nothing happens yet.
 */
export function announceQueuePosition(sessionId: string, position: number) {
  void recordChange({ sessionId, event: { type: "sandbox_queue", position } }).catch((error: unknown) =>
    log.error({ sessionId, position, err: errorField(error) }, "could not record the session's place in line"),
  );
}

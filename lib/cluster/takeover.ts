import "server-only";
import { db } from "@/lib/db/client";
import { instanceId, ownedSandboxes } from "@/lib/cluster/identity";
import { cluster } from "@/lib/cluster/state";
import { recordSandboxStatus } from "@/lib/sandboxes/status";
import { LIVE_LOOKING, sessionsLeftBehind } from "@/lib/sessions/runtime-reactions";
import { logger } from "@/lib/log";

const log = logger("portal");

// Takeover: which instance runs a sandbox, and taking over the sandboxes of an instance whose lease
// ran out (lib/cluster/lease.ts). A sandbox nobody owns (released by a clean stop, or from before
// ownership) is claimed by the first instance that needs it, which first treats its sessions as left
// behind; one UPDATE decides every claim, so no sandbox runs on two instances.

/**
 * Sandboxes whose owner has no lease any more, and unowned ones that still have live-looking
 * sessions (from before ownership): each becomes this instance's, one UPDATE deciding.
 */
export async function takeOverOrphans() {
  const taken = await db().$queryRaw<Array<{ id: string; provider: string }>>`
    UPDATE sandboxes SET owner_id = ${instanceId()}
    WHERE (owner_id IS NOT NULL AND owner_id <> ${instanceId()} AND NOT EXISTS (SELECT 1 FROM portal_instances i WHERE i.id = sandboxes.owner_id))
       OR (owner_id IS NULL AND EXISTS (SELECT 1 FROM sessions s WHERE s.sandbox_id = sandboxes.id AND s.status = ANY(${[...LIVE_LOOKING]}::"SessionStatus"[])))
    RETURNING id, provider`;
  if (taken.length === 0) return;
  for (const { id } of taken) ownedSandboxes().add(id);
  // A jail dies with the instance that ran it (--die-with-parent).
  const jails = taken.filter((sandbox) => sandbox.provider === "bwrap").map((sandbox) => sandbox.id);
  await recordSandboxStatus(jails, "lost", { onlyIf: ["starting", "running"] });
  const sessions = await sessionsLeftBehind({ sandboxIds: taken.map((sandbox) => sandbox.id) });
  log.info({ sandboxes: taken.length, sessions }, "took over sandboxes; their sessions are restorable");
}

export type Owner = { mine: true } | { mine: false; ownerId: string; alive: boolean };

/**
 * Who runs a sandbox: this instance (claiming it when nobody does), or another one, alive or not.
 * A sandbox this instance owns stays its own until it leaves (only it can let go), so that answer
 * needs no query.
 */
export async function ownerOf(sandboxId: string): Promise<Owner> {
  const state = cluster();
  if (ownedSandboxes().has(sandboxId)) return { mine: true };
  if (state.leaving) return { mine: false, ownerId: "", alive: false };
  const me = instanceId();
  // The outer SELECT sees the row as it was before the claim, hence the COALESCE.
  const [row] = await db().$queryRaw<Array<{ owner: string | null; claimed: boolean; alive: boolean }>>`
    WITH claimed AS (UPDATE sandboxes SET owner_id = ${me} WHERE id = ${sandboxId} AND owner_id IS NULL RETURNING owner_id)
    SELECT COALESCE((SELECT owner_id FROM claimed), s.owner_id) AS owner,
           EXISTS (SELECT 1 FROM claimed) AS claimed,
           EXISTS (SELECT 1 FROM portal_instances i WHERE i.id = COALESCE((SELECT owner_id FROM claimed), s.owner_id)) AS alive
    FROM sandboxes s WHERE s.id = ${sandboxId}`;
  if (!row || row.owner === me) {
    // No such sandbox: nothing to route; the command's own checks answer (404/422).
    if (row) ownedSandboxes().add(sandboxId);
    return { mine: true };
  }
  if (row.claimed) {
    ownedSandboxes().add(sandboxId);
    await sessionsLeftBehind({ sandboxIds: [sandboxId] });
    return { mine: true };
  }
  return { mine: false, ownerId: row.owner!, alive: row.alive };
}

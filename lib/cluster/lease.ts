import "server-only";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { instanceId, ownedSandboxes } from "@/lib/cluster/identity";
import { isProcessAlive } from "@/lib/process-utils";
import { cluster } from "@/lib/cluster/state";
import { takeOverOrphans } from "@/lib/cluster/takeover";
import { sessionsLeftBehind } from "@/lib/sessions/runtime-reactions";
import { errorField, logger } from "@/lib/log";

const log = logger("portal");

// The instances' lease: session ownership across portal instances on one database. A sandbox, and with it every session
// in it, is owned by one instance at a time: the one that runs its runtime, holds its runtime
// sessions, mirrors their events and executes their commands (lib/cluster/commands.ts). Any
// instance serves reads and streams.
//
// An instance's lease is its row in portal_instances, renewed every heartbeat. A row not renewed for
// PORTAL_INSTANCE_LEASE_SECONDS is deleted by any other instance; then one instance (a single UPDATE
// decides) takes each sandbox of the gone owner over: its running turns end interrupted and its
// sessions become restorable, and the next prompt restores them there, once. An instance that finds
// its own row deleted was taken to be dead and its sessions taken over: it exits rather than run
// them a second time. A sandbox nobody owns (released by a clean stop, or from before ownership) is
// claimed by the first instance that needs it, which first treats its sessions as left behind.

/**
 * Registers this instance (boot), takes over what its previous run on this data dir left behind at
 * once rather than after a lease (when that process is gone), and starts the heartbeat.
 */
export async function joinCluster({ dataDir }: { dataDir: string }) {
  const state = cluster();
  const me = instanceId();
  const marker = path.join(dataDir, "instance.json");
  const previous = readMarker(marker);
  if (previous && previous.id !== me && !isProcessAlive(previous.pid)) await db().portalInstance.deleteMany({ where: { id: previous.id } });
  await register();
  writeFileSync(marker, JSON.stringify({ id: me, pid: process.pid }), { mode: 0o600 });
  state.healthySince = Date.now();
  await takeOverOrphans();
  await sessionsLeftBehind({ unsandboxed: true });
  state.timer = setInterval(() => void tick(), Math.max(500, state.leaseMs / 3));
  state.timer.unref();
}

/** This instance's lease row; its label says where it runs (host:port pid N) to admins and logs. */
function register() {
  return db().portalInstance.create({ data: { id: instanceId(), label: `${os.hostname()}:${env().PORT} pid ${process.pid}` } });
}

function readMarker(marker: string): { id: string; pid: number } | null {
  try {
    const parsed = JSON.parse(readFileSync(marker, "utf8")) as { id?: unknown; pid?: unknown };
    return typeof parsed.id === "string" && typeof parsed.pid === "number" ? { id: parsed.id, pid: parsed.pid } : null;
  } catch {
    return null;
  }
}

/** Runs on every heartbeat (the command queue picks up what it may have missed). */
export function onHeartbeat(listener: () => void) {
  cluster().onTick.push(listener);
}

async function tick() {
  const state = cluster();
  if (state.leaving) return;
  const me = instanceId();
  try {
    const renewed = await db().portalInstance.updateMany({ where: { id: me }, data: { heartbeatAt: new Date() } });
    if (renewed.count === 0) await leaseLapsed();
    state.healthySince ??= Date.now();
  } catch {
    state.healthySince = null; // the database is away; nobody is judged by this instance until it is back for a lease
    return;
  }
  if (Date.now() - state.healthySince >= state.leaseMs) {
    await reapExpired().catch((error: unknown) => log.error({ err: errorField(error) }, "taking over expired instances failed"));
  }
  for (const listener of state.onTick) listener();
}

/**
 * Another instance took this one for dead (its heartbeat stalled past the lease, e.g. a blocked
 * event loop) and deleted its row. Registered again at once, it carries on if none of its sandboxes
 * was taken over meanwhile; one that was now runs elsewhere, and this instance exits rather than run
 * its sessions a second time.
 */
async function leaseLapsed() {
  const me = instanceId();
  await register();
  const owned = [...ownedSandboxes()];
  const taken = owned.length === 0 ? 0 : await db().sandbox.count({ where: { id: { in: owned }, NOT: { ownerId: me } } });
  if (taken === 0) {
    log.error(
      "this instance's lease lapsed (its heartbeat stalled) and another instance took it for gone; none of its sandboxes had been taken over: registered again",
    );
    return;
  }
  log.error({ taken }, "this instance's lease lapsed and some of its sandboxes now run on another instance: exiting so their sessions do not run twice");
  process.exit(1);
}

async function reapExpired() {
  const { leaseMs } = cluster();
  const gone = await db().$queryRaw<Array<{ id: string; label: string }>>`
    DELETE FROM portal_instances
    WHERE id <> ${instanceId()} AND heartbeat_at < now() - make_interval(secs => ${leaseMs / 1_000})
    RETURNING id, label`;
  for (const { label } of gone) log.info({ otherInstance: label }, "an instance stopped renewing its lease: taking its sandboxes over");
  await takeOverOrphans();
  // Commands nobody will answer any more (their caller gave up long ago).
  await db().$executeRaw`DELETE FROM session_commands WHERE created_at < now() - interval '1 hour'`;
}

/**
 * A clean stop (after the runtimes stopped): this instance's sessions become restorable at once and
 * its sandboxes are released, so another instance, or this one restarted, picks them up without
 * waiting for the lease.
 */
export async function leaveCluster() {
  const state = cluster();
  state.leaving = true;
  if (state.timer) clearInterval(state.timer);
  const owned = [...ownedSandboxes()];
  await sessionsLeftBehind({ sandboxIds: owned });
  await db().sandbox.updateMany({ where: { ownerId: instanceId() }, data: { ownerId: null } });
  await db().portalInstance.deleteMany({ where: { id: instanceId() } });
  ownedSandboxes().clear();
}

/** For instance admins: the instances on this database, their leases and how many sandboxes each owns. */
export async function listInstances() {
  const rows = await db().$queryRaw<Array<{ id: string; label: string; started_at: Date; heartbeat_at: Date; sandboxes: number }>>`
    SELECT i.id, i.label, i.started_at, i.heartbeat_at,
           (SELECT count(*)::int FROM sandboxes s WHERE s.owner_id = i.id AND s.status <> 'destroyed') AS sandboxes
    FROM portal_instances i ORDER BY i.started_at`;
  return rows.map((row) => ({
    label: row.label,
    self: row.id === instanceId(),
    startedAt: row.started_at.toISOString(),
    heartbeatAt: row.heartbeat_at.toISOString(),
    sandboxes: row.sandboxes,
  }));
}

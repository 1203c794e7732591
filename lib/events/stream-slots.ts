import "server-only";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { rateLimited } from "@/lib/errors";
import { instanceId } from "@/lib/cluster/identity";

// A cap on the event streams one user holds open (PORTAL_MAX_STREAMS_PER_USER), over every portal
// instance on the database: each open stream is a row of stream_slots, taken when it opens and
// deleted when it ends, however it ends. A slot counts only while its instance holds its lease
// (portal_instances, lib/cluster/lease.ts): the slots of a killed instance stop counting once
// its lease runs out, and are deleted the next time their user opens a stream.

const globalSlots = globalThis as unknown as { portalStreamSlots?: Set<string> };
/** The slots this process holds, given back together on a clean stop. */
const held = () => (globalSlots.portalStreamSlots ??= new Set());

/** Wraps the body so the user's slot is held while it is open; 429 when the user has none left. */
export async function holdStreamSlot(userId: string, body: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  let release: () => void;
  try {
    release = await takeStreamSlot(userId);
  } catch (error) {
    void body.cancel().catch(() => undefined);
    throw error;
  }
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    async cancel(reason) {
      release();
      await reader.cancel(reason).catch(() => undefined);
    },
  });
}

/** Takes one of the user's slots (429 when none is left); the function returned gives it back, once. */
export async function takeStreamSlot(userId: string): Promise<() => void> {
  const slotId = await takeSlot(userId);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    void releaseSlot(slotId);
  };
}

async function takeSlot(userId: string): Promise<string> {
  const id = randomUUID();
  const cap = env().PORTAL_MAX_STREAMS_PER_USER;
  const lease = env().PORTAL_INSTANCE_LEASE_SECONDS;
  const taken = await db().$transaction(async (tx) => {
    // Per user, count and insert one at a time on every instance: two opens cannot both take the last slot.
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`streams:${userId}`})) IS NULL AS locked`;
    // A new statement, so it sees every slot committed before the lock was granted.
    const inserted = await tx.$executeRaw`
      WITH live AS (
        SELECT s.id FROM stream_slots s JOIN portal_instances i ON i.id = s.instance_id
        WHERE s.user_id = ${userId} AND i.heartbeat_at > now() - make_interval(secs => ${lease}::float8)
      ), stale AS (
        DELETE FROM stream_slots WHERE user_id = ${userId} AND id NOT IN (SELECT id FROM live)
      )
      INSERT INTO stream_slots (id, user_id, instance_id)
      SELECT ${id}, ${userId}, ${instanceId()}
      WHERE (SELECT count(*) FROM live) < ${cap}::int`;
    return inserted === 1;
  });
  if (!taken) throw rateLimited(`You have ${cap} event streams open; close one first.`, 5, "too_many_streams");
  held().add(id);
  return id;
}

async function releaseSlot(id: string) {
  held().delete(id);
  // Should the delete fail (database away), the slot counts until this instance stops.
  await db().$executeRaw`DELETE FROM stream_slots WHERE id = ${id}`.catch(() => undefined);
}

/** On a clean stop: this process's streams end with it, so its slots go at once. */
export async function releaseAllStreamSlots() {
  const ids = [...held()];
  held().clear();
  if (ids.length > 0) await db().$executeRaw`DELETE FROM stream_slots WHERE id = ANY(${ids}::text[])`;
}

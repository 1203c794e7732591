import "server-only";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { ApiError } from "@/lib/errors";
import { liveHub } from "@/lib/events/live-hub";

// A cap on the event streams one user holds open (PORTAL_MAX_STREAMS_PER_USER), over every portal
// instance on the database: each open stream is a row of stream_slots, taken when it opens and
// deleted when it ends, however it ends. While a stream is open its instance keeps pushing the row's
// expiry ahead; the rows of an instance that was killed stop being renewed and stop counting once
// they expire (PORTAL_STREAM_SLOT_TTL_SECONDS).

interface SlotState {
  held: Set<string>;
  renewal: NodeJS.Timeout | null;
}

const state = globalThis as unknown as { portalStreamSlots?: SlotState };
const slots = () => (state.portalStreamSlots ??= { held: new Set(), renewal: null });
const ttlMs = () => env().PORTAL_STREAM_SLOT_TTL_SECONDS * 1000;

/** Wraps the body so the user's slot is held while it is open; 429 when the user has none left. */
export async function holdStreamSlot(userId: string, body: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  let slotId: string;
  try {
    slotId = await takeSlot(userId);
  } catch (error) {
    void body.cancel().catch(() => undefined);
    throw error;
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    void releaseSlot(slotId);
  };
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

async function takeSlot(userId: string): Promise<string> {
  const id = randomUUID();
  const cap = env().PORTAL_MAX_STREAMS_PER_USER;
  const ttl = ttlMs();
  const taken = await db().$transaction(async (tx) => {
    // Per user, count and insert one at a time on every instance: two opens cannot both take the last slot.
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`streams:${userId}`})) IS NULL AS locked`;
    // A new statement, so it sees every slot committed before the lock was granted.
    const inserted = await tx.$executeRaw`
      WITH expired AS (DELETE FROM stream_slots WHERE user_id = ${userId} AND expires_at <= now())
      INSERT INTO stream_slots (id, user_id, instance_id, expires_at)
      SELECT ${id}, ${userId}, ${liveHub().instanceId}, now() + ${ttl}::int * interval '1 millisecond'
      WHERE (SELECT count(*) FROM stream_slots WHERE user_id = ${userId} AND expires_at > now()) < ${cap}::int`;
    return inserted === 1;
  });
  if (!taken) throw new ApiError(429, `You have ${cap} event streams open; close one first.`, { retryAfterSeconds: 5 });
  const { held } = slots();
  held.add(id);
  startRenewal();
  return id;
}

async function releaseSlot(id: string) {
  const { held } = slots();
  held.delete(id);
  if (held.size === 0) stopRenewal();
  // Should the delete fail (database away), the row stops being renewed and expires by itself.
  await db()
    .$executeRaw`DELETE FROM stream_slots WHERE id = ${id}`.catch(() => undefined);
}

function startRenewal() {
  const current = slots();
  if (current.renewal) return;
  // Renewed three times per TTL, so one missed renewal (a slow database) does not let a slot lapse.
  current.renewal = setInterval(() => void renewSlots().catch(() => undefined), ttlMs() / 3);
  current.renewal.unref();
}

function stopRenewal() {
  const current = slots();
  if (current.renewal) clearInterval(current.renewal);
  current.renewal = null;
}

async function renewSlots() {
  const ids = [...slots().held];
  if (ids.length === 0) return;
  await db().$executeRaw`UPDATE stream_slots SET expires_at = now() + ${ttlMs()}::int * interval '1 millisecond' WHERE id = ANY(${ids}::text[])`;
}

/** On shutdown: this process's streams end with it, so its slots go at once rather than at expiry. */
export async function releaseAllStreamSlots() {
  const ids = [...slots().held];
  slots().held.clear();
  stopRenewal();
  if (ids.length > 0) await db().$executeRaw`DELETE FROM stream_slots WHERE id = ANY(${ids}::text[])`;
}

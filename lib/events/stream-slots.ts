import "server-only";
import { env } from "@/lib/env";
import { rateLimited } from "@/lib/errors";

// A cap on the event streams one user holds open on this process (PORTAL_MAX_STREAMS_PER_USER):
// a slot is taken when a stream opens and given back when it ends, however it ends.

const state = globalThis as unknown as { portalStreamSlots?: Map<string, number> };
const slots = () => (state.portalStreamSlots ??= new Map());

/** Wraps the body so the user's slot is held while it is open; 429 when the user has none left. */
export function holdStreamSlot(userId: string, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const open = slots().get(userId) ?? 0;
  if (open >= env().PORTAL_MAX_STREAMS_PER_USER) {
    void body.cancel().catch(() => undefined);
    throw rateLimited(`You have ${open} event streams open; close one first.`, 5, "too_many_streams");
  }
  slots().set(userId, open + 1);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const left = (slots().get(userId) ?? 1) - 1;
    if (left <= 0) slots().delete(userId);
    else slots().set(userId, left);
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

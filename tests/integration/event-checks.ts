import { expect } from "vitest";
import type { allEvents } from "./harness";

// What the durability files check of a session's stored events.

type Event = Awaited<ReturnType<typeof allEvents>>[number];

export const chunkText = (event: Event): string | null =>
  event.payload?.params?.update?.sessionUpdate === "agent_message_chunk" ? event.payload.params.update.content.text : null;

/** Sequence numbers of /stream and /burst chunks, in stored order. */
export function sequenceNumbers(events: Event[]) {
  return events
    .map(chunkText)
    .filter((text): text is string => text !== null && /^\d+ $/.test(text))
    .map((text) => Number(text));
}

/** Event indexes run 1, 2, 3 … with nothing missing or repeated. */
export function expectDense(events: Event[]) {
  expect(events.map((event) => event.index)).toEqual(events.map((_, i) => i + 1));
}

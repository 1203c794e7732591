import { describe, expect, it } from "vitest";
import { BATCH_SIZE, nextBatch, SHARED_BATCH_SIZE, type Lane } from "@/lib/events/lanes";

// The writer's choice of what to commit next (lib/events/lanes.ts): fairness as an order, not a time.

type Event = { session: string; n: number; claim?: true };

function lane(session: string, count: number, claimAt: number | null = null): Lane<Event> {
  const events = Array.from({ length: count }, (_, n) => ({ session, n, ...(n === claimAt ? { claim: true as const } : {}) }));
  return { events, seqs: events.map((_, n) => n + 1) };
}

const isClaim = (event: Event) => event.claim === true;
const label = (event: Event) => `${event.session}${event.n}`;

describe("nextBatch", () => {
  it("fills a batch of its full size from a session bursting alone, in its order", () => {
    const burst = lane("a", BATCH_SIZE + 500);
    const { batch, taken } = nextBatch([burst], isClaim, false);
    expect(batch.map((event) => event.n)).toEqual(Array.from({ length: BATCH_SIZE }, (_, n) => n));
    expect(taken.get(burst)).toBe(BATCH_SIZE);
  });

  it("takes one event of each waiting session in turn, and a smaller batch, while other sessions wait", () => {
    const bursts = ["a", "b", "c", "d", "e"].map((session) => lane(session, 10_000));
    const quiet = lane("q", 1);
    const { batch, taken } = nextBatch([...bursts, quiet], isClaim, false);
    expect(batch).toHaveLength(SHARED_BATCH_SIZE);
    expect(batch.slice(0, 8).map(label)).toEqual(["a0", "b0", "c0", "d0", "e0", "q0", "a1", "b1"]);
    expect(taken.get(quiet)).toBe(1);
    // Every session's events stay in their order.
    for (const session of ["a", "b", "c", "d", "e"]) {
      const own = batch.filter((event) => event.session === session).map((event) => event.n);
      expect(own).toEqual(Array.from({ length: own.length }, (_, n) => n));
    }
  });

  it("commits a prompt's claim first and alone, whichever lane it heads", () => {
    const bursts = ["a", "b", "c"].map((session) => lane(session, 5_000));
    const prompt = lane("q", 3, 0);
    const { batch, taken } = nextBatch([...bursts, prompt], isClaim, false);
    expect(batch.map(label)).toEqual(["q0"]);
    expect([...taken]).toEqual([[prompt, 1]]);
  });

  it("stops a lane before a claim behind its head, so the claim is alone in the next batch", () => {
    const waiting = lane("q", 4, 2);
    const burst = lane("a", 10);
    const first = nextBatch([waiting, burst], isClaim, false);
    expect(first.batch.filter((event) => event.session === "q").map(label)).toEqual(["q0", "q1"]);
    expect(first.taken.get(waiting)).toBe(2);
    waiting.events.splice(0, 2);
    expect(nextBatch([burst, waiting], isClaim, false).batch.map(label)).toEqual(["q2"]);
  });

  it("takes one event at a time while a refused event is being isolated", () => {
    expect(nextBatch([lane("a", 10), lane("b", 10)], isClaim, true).batch.map(label)).toEqual(["a0"]);
  });
});

// Which queued events the writer (lib/events/writer.ts) commits next. Pure, so its order is unit-tested.

/** One session's events in the order they were queued, each with its place in the overall order. */
export interface Lane<E> {
  events: E[];
  seqs: number[];
}

// One batch is one statement: the bigger, the fewer round trips for a session bursting alone. While
// other sessions wait too, a batch is smaller: the portal prepares a batch in one synchronous run (its
// rows encoded) and a prompt's claim or another session's event waits for the one in flight, so each
// batch is a wait that another team's prompt may sit out (bench/team-fairness.ts).
export const BATCH_SIZE = 2_000;
export const SHARED_BATCH_SIZE = 400;

/**
 * The events to commit next: one from each lane in turn (lanes in the order given) up to the batch's
 * size, or one while isolating an event PostgreSQL refused. A claimed change (`isClaim`) commits
 * alone: first when it heads any lane (a prompt starting a turn must not wait for its lane to come
 * round), otherwise its lane stops before it until the next batch.
 */
export function nextBatch<E>(lanes: Array<Lane<E>>, isClaim: (event: E) => boolean, isolating: boolean): { batch: E[]; taken: Map<Lane<E>, number> } {
  const queued = lanes.filter((lane) => lane.events.length > 0);
  const claiming = queued.find((lane) => isClaim(lane.events[0]!));
  if (claiming) return { batch: [claiming.events[0]!], taken: new Map([[claiming, 1]]) };
  const limit = isolating ? 1 : queued.length > 1 ? SHARED_BATCH_SIZE : BATCH_SIZE;
  const batch: E[] = [];
  const taken = new Map<Lane<E>, number>();
  let open = queued;
  while (batch.length < limit && open.length > 0) {
    const next: Array<Lane<E>> = [];
    for (const lane of open) {
      if (batch.length >= limit) break;
      const at = taken.get(lane) ?? 0;
      const event = lane.events[at];
      if (event === undefined || isClaim(event)) continue;
      batch.push(event);
      taken.set(lane, at + 1);
      next.push(lane);
    }
    open = next;
  }
  return { batch, taken };
}

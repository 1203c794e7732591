import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveHub } from "@/lib/events/live-hub";
import type { StoredEvent } from "@/lib/events/types";

// The live hub's memory of which sessions changed, that a "needs you" feed connecting after its page
// was rendered (or reconnecting) catches up from: what it knows, and when it must say it cannot tell.

const event = { index: 1 } as unknown as StoredEvent;

afterEach(() => vi.useRealTimers());

describe("the live hub's recent changes", () => {
  it("tells the sessions changed since a time, each once, and forgets what is older than a minute", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const hub = new LiveHub();
    const start = Date.now();
    hub.publishLocal("a", [event]);
    vi.advanceTimersByTime(10_000);
    const afterA = Date.now();
    hub.publishLocal("b", [event]);
    hub.publishLocal("a", [event]);
    hub.publishLocal("c", []); // no events: nothing changed
    expect(hub.changedSince(start)?.sort()).toEqual(["a", "b"]);
    expect(hub.changedSince(afterA)?.sort()).toEqual(["a", "b"]);
    expect(hub.changedSince(afterA + 1)).toEqual([]);

    // A minute on, the next change drops what is older: a time before it can no longer be answered.
    vi.advanceTimersByTime(61_000);
    hub.publishLocal("d", [event]);
    expect(hub.changedSince(start)).toBeNull();
    expect(hub.changedSince(afterA + 1)).toEqual(["d"]);
  });

  it("cannot answer for a time before it started", () => {
    vi.useFakeTimers({ now: 2_000_000 });
    const hub = new LiveHub();
    expect(hub.changedSince(Date.now() - 1)).toBeNull();
    expect(hub.changedSince(Date.now())).toEqual([]);
  });
});

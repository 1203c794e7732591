import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDense, sequenceNumbers } from "./event-checks";
import { allEvents, openPortal, waitForIdle, type PortalFixture } from "./harness";
import { createDemoSession } from "./session-api-helpers";

// A long stream at the agent's default pace (2,000 chunks a second) is stored whole, with no gap:
// the runtime drops what its reader falls behind on, so this holds only on a machine that is not busy
// with another test file (the integration-load project). The rest of durability.test.ts does not mind.

let fixture: PortalFixture;

beforeAll(async () => {
  fixture = await openPortal();
});
afterAll(() => fixture?.close());

describe("events are never lost", () => {
  it("stores every chunk of /stream 100000 at the default pace exactly once", async () => {
    const { api } = fixture;
    const { id: sessionId } = await createDemoSession(api, fixture.teamId);
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/stream 100000" });
    await waitForIdle(api, sessionId, 240_000);
    const events = await allEvents(api, sessionId);
    expectDense(events);
    const numbers = sequenceNumbers(events);
    expect(numbers.length).toBe(100_000);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(events.some((event) => event.payload?.type === "gap")).toBe(false);
  }, 300_000);
});

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectDense, sequenceNumbers } from "./event-checks";
import { allEvents, openPortal, waitForIdle, type PortalFixture } from "./harness";
import { createDemoSession } from "./session-api-helpers";

// Streams stored whole, with no gap: a long one at the agent's default pace (2,000 chunks a second),
// and a faster one while the portal's database connections are cut. The runtime drops what its reader
// falls behind on, so these hold only on a machine that is not busy with another test file (the
// integration-load project). The rest of durability.test.ts does not mind.

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

  it("survives its database connections being cut while /stream 20000 runs", async () => {
    const { api } = fixture;
    const { id: sessionId } = await createDemoSession(api, fixture.teamId);
    const admin = new pg.Client({ connectionString: fixture.db.url });
    admin.on("error", () => undefined);
    await admin.connect();
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/stream 20000 4000" });
    for (let cut = 0; cut < 4; cut += 1) {
      await new Promise((resolve) => setTimeout(resolve, 800));
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    }
    await admin.end();
    await waitForIdle(api, sessionId, 120_000);
    const events = await allEvents(api, sessionId);
    expectDense(events);
    const numbers = sequenceNumbers(events);
    expect(numbers.length).toBe(20_000);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, openPortal, sessionRuntime, waitForIdle, type Api, type PortalFixture } from "./harness";
import { createDemoSession, createMember, createTeam } from "./session-api-helpers";

// The runtime drops what overflows the 512-message channel it gives each ACP stream reader; in a bwrap
// sandbox the portal reads through the jail's Unix-socket bridge, which reads ahead so that the channel
// rarely overflows. Rarely is not never on a loaded 2-core machine (1–4 % of a /burst 25000 was lost
// while the whole suite ran beside it; bench/burst.ts prints how much is kept): what must hold every
// time is that nothing is lost silently — each chunk is stored once, in order, or counted in a gap;
// alone, and with another team's sandbox streaming beside it. Both print how much was kept.

let fixture: PortalFixture;
let api: Api;

beforeAll(async () => {
  fixture = await openPortal({ env: { PORTAL_SANDBOX: "bwrap" } });
  ({ api } = fixture);
});
afterAll(() => fixture?.close());

type Event = Awaited<ReturnType<typeof allEvents>>[number];
const numbered = (events: Event[]) =>
  events
    .map((event) => (event.payload?.params?.update?.sessionUpdate === "agent_message_chunk" ? (event.payload.params.update.content.text as string) : null))
    .filter((text): text is string => text !== null && /^\d+ $/.test(text))
    .map(Number);

/** Runs `rounds` bursts in one session; checks each chunk for chunk and returns what each kept. */
async function bursts(sessionId: string, rounds: number) {
  const kept: string[] = [];
  for (let turn = 0; turn < rounds; turn += 1) {
    const before = (await allEvents(api, sessionId)).length;
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/burst 25000" });
    await waitForIdle(api, sessionId, 120_000);
    const events = (await allEvents(api, sessionId)).slice(before);
    const stored = numbered(events);
    const gaps = events.filter((event) => event.payload?.type === "gap").reduce((sum, event) => sum + event.payload.missing, 0);
    kept.push(`${stored.length}+${gaps} gap`);
    // In order, no duplicates, and what is missing is exactly what the gaps say.
    expect(stored.every((n, i) => i === 0 || n > stored[i - 1]!)).toBe(true);
    expect(stored[0]).toBeGreaterThanOrEqual(1);
    expect(stored.at(-1)).toBeLessThanOrEqual(25_000);
    expect(stored.length + gaps).toBe(25_000);
  }
  return kept;
}

describe("a /burst 25000 in a bwrap sandbox", () => {
  it("is stored in order or counted as a gap, chunk for chunk, five times in a row", async () => {
    const session = await createDemoSession(api, fixture.teamId);
    const kept = await bursts(session.id, 5);
    const { stream } = await sessionRuntime(api, session.id);
    console.log(`[burst] bwrap /burst 25000 ×5 kept: ${kept.join(", ")}; recovered from the runtime's replay buffer: ${stream.recovered}`);
  }, 600_000);

  it("holds the same while another team's sandbox streams beside it", async () => {
    const otherTeam = await createTeam(fixture.db.url, "Streaming team");
    const other = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: otherTeam, role: "member" });
    const loud = await createDemoSession(other, otherTeam);
    // 2,000 chunks a second in its own sandbox for as long as the bursts take; cancelled after them.
    await other.post(`/api/sessions/${loud.id}/prompt`, { text: "/stream 1000000 2000" });
    const session = await createDemoSession(api, fixture.teamId);
    const kept = await bursts(session.id, 3);
    expect((await other.get(`/api/sessions/${loud.id}`)).status).toBe("running");
    await other.request("POST", `/api/sessions/${loud.id}/cancel`);
    await waitForIdle(other, loud.id);
    console.log(`[burst] bwrap /burst 25000 ×3 beside another team's /stream at 2,000/s kept: ${kept.join(", ")}`);
  }, 600_000);
});

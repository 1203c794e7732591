import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, openPortal, sessionRuntime, waitForIdle, type Api, type PortalFixture } from "./harness";
import { createDemoSession, createMember, createTeam } from "./session-api-helpers";

// The runtime drops what overflows the 512-message channel it gives each reader of an ACP event stream,
// without slowing the agent: on a busy 2-core machine a /burst 25000 lost 1–4 % however fast the stream
// was read (bench/burst.ts: a bare curl reader lost as much). In a bwrap sandbox every agent runs
// through lib/sandboxes/agent-relay.mjs, which keeps no more messages between the agent and the
// stream than that channel holds, so a burst is kept whole: every chunk stored once, in order, no gap —
// five times in a row, and while another team's sandbox streams beside it. Both print the counts.

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

/** Runs `rounds` bursts in one session; checks that each kept every chunk, once and in order, and returns the counts. */
async function bursts(sessionId: string, rounds: number) {
  const kept: string[] = [];
  // Each turn reads only its own events: re-reading the whole history each time read 625,000 events over five turns.
  let before = (await allEvents(api, sessionId)).at(-1)?.index ?? 0;
  for (let turn = 0; turn < rounds; turn += 1) {
    await api.post(`/api/sessions/${sessionId}/prompt`, { text: "/burst 25000" });
    await waitForIdle(api, sessionId, 120_000);
    const events = await allEvents(api, sessionId, before);
    before = events.at(-1)?.index ?? before;
    const stored = numbered(events);
    const gaps = events.filter((event) => event.payload?.type === "gap").reduce((sum, event) => sum + event.payload.missing, 0);
    kept.push(`${stored.length}+${gaps} gap`);
    // Logged before the checks, so a failing run still says how much each burst kept.
    console.log(`[burst] /burst 25000 turn ${turn + 1}: ${kept.at(-1)}`);
    expect({ turn: turn + 1, stored: stored.length, gaps }).toEqual({ turn: turn + 1, stored: 25_000, gaps: 0 });
    expect(stored.every((n, i) => n === i + 1)).toBe(true);
  }
  return kept;
}

describe("a /burst 25000 in a bwrap sandbox", () => {
  it("is kept whole, 25,000 of 25,000 in order, five times in a row", async () => {
    const session = await createDemoSession(api, fixture.teamId);
    const kept = await bursts(session.id, 5);
    const { stream } = await sessionRuntime(api, session.id);
    console.log(`[burst] bwrap /burst 25000 ×5 kept: ${kept.join(", ")}; recovered from the runtime's replay buffer: ${stream.recovered}`);
  }, 600_000);

  it("is kept whole while another team's sandbox streams beside it", async () => {
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

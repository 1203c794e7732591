import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, openPortal, waitFor, waitForIdle, type Api, type PortalFixture } from "./harness";
import { createDemoSession, createMember, createTeam, expectProblem, portalEvents } from "./session-api-helpers";

// The line for a sandbox slot (lib/sandboxes/pool.ts admit()), on a real portal with bwrap jails and
// room for one running sandbox: a start that finds every slot taken by another team's running turn
// waits in line instead of an immediate 503, its session says its place ("2nd in line"), it starts
// as soon as the turn ends, and a wait past PORTAL_SANDBOX_QUEUE_SECONDS is the 503 it always was.

// The refusal test waits out the whole line: long enough that the first test's starts (behind an
// 8 s turn, then behind each other) get their slot well within it, and no longer.
const QUEUE_SECONDS = 20;
let fixture: PortalFixture;
let teamA: Api;
let teamB: Api;
let teamAId: string;
let teamBId: string;

beforeAll(async () => {
  fixture = await openPortal({
    env: {
      PORTAL_SANDBOX: "bwrap",
      PORTAL_SANDBOX_MAX_RUNNING: "1",
      PORTAL_SANDBOX_MAX_RUNNING_PER_TEAM: "1",
      PORTAL_SANDBOX_QUEUE_SECONDS: String(QUEUE_SECONDS),
    },
  });
  teamAId = fixture.teamId;
  teamA = fixture.api;
  teamBId = await createTeam(fixture.db.url, "Team B");
  teamB = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: teamBId, role: "member" });
});
afterAll(() => fixture?.close());

/** The places in line the session's history shows, from its event `from` on (its creation may have waited too). */
const queuePositions = async (api: Api, sessionId: string, from = 0) =>
  portalEvents((await allEvents(api, sessionId)).slice(from), "sandbox_queue").map((event) => event.position as number);
const eventCount = async (api: Api, sessionId: string) => (await allEvents(api, sessionId)).length;

/** Waits until the session's history shows it at this place in line. */
const waitForPlace = (api: Api, sessionId: string, from: number, position: number) =>
  waitFor(
    () => queuePositions(api, sessionId, from),
    (positions) => positions.at(-1) === position,
    20_000,
  );

async function waitingStarts(): Promise<number> {
  const response = await fetch(`${fixture.portal.baseUrl}/api/metrics`, { headers: { authorization: `Bearer ${teamA.token}` } });
  const families = parsePrometheusTextFormat(await response.text()) as Array<{ name: string; metrics: Array<{ value: string }> }>;
  return Number(families.find((family) => family.name === "portal_sandbox_queue")!.metrics[0]!.value);
}

describe("a start that finds no free sandbox slot", () => {
  it("waits in line behind another team's running turn, shows its place, and starts when the turn ends", async () => {
    // Two sessions of team A in sandboxes of their own: the second pushed the first's (idle) out.
    const a1 = await createDemoSession(teamA, teamAId);
    const a2 = await createDemoSession(teamA, teamAId);
    expect(a1.sandboxId).not.toBe(a2.sandboxId);
    // Team B's session takes the one slot (A's idle sandbox makes room) and holds it with a turn.
    const b1 = await createDemoSession(teamB, teamBId);
    await teamB.post(`/api/sessions/${b1.id}/prompt`, { text: "/sleep 8000" });

    // Both of A's sessions are restorable; their prompts need their sandboxes back and wait, in order.
    const [a1From, a2From, b1From] = [await eventCount(teamA, a1.id), await eventCount(teamA, a2.id), await eventCount(teamB, b1.id)];
    const first = teamA.request("POST", `/api/sessions/${a1.id}/prompt`, { text: "hello from the line" });
    await waitForPlace(teamA, a1.id, a1From, 1);
    const second = teamA.request("POST", `/api/sessions/${a2.id}/prompt`, { text: "hello from further back" });
    await waitForPlace(teamA, a2.id, a2From, 2);
    expect(await waitingStarts()).toBe(2);
    expect((await teamB.get(`/api/sessions/${b1.id}`)).status).toBe("running");

    // B's turn ends on its own: a1 gets the slot, then a2 (team A's share is one sandbox) once a1's turn is over.
    expect((await first).status).toBe(202);
    expect((await second).status).toBe(202);
    await waitForIdle(teamA, a2.id, 30_000);
    // a1's turn ended, then a2 took its team's one slot from a1's idle sandbox, as a1 took B's.
    for (const [api, id] of [
      [teamA, a1.id],
      [teamB, b1.id],
    ] as const)
      expect(await api.get(`/api/sessions/${id}`)).toMatchObject({ status: "restorable", lastStopReason: "end_turn" });
    expect(await queuePositions(teamA, a1.id, a1From)).toEqual([1, 0]);
    expect(await queuePositions(teamA, a2.id, a2From)).toEqual([2, 1, 0]);
    expect(await queuePositions(teamB, b1.id, b1From)).toEqual([]);
    expect(await waitingStarts()).toBe(0);
    const answered = (await allEvents(teamA, a2.id)).some((event) => event.payload?.params?.update?.sessionUpdate === "agent_message_chunk");
    expect(answered).toBe(true);
  });

  it(`is refused with 503 sandboxes_busy after ${QUEUE_SECONDS} s in line, and the turn it waited behind is never cut off`, async () => {
    const a1 = await createDemoSession(teamA, teamAId);
    const b1 = await createDemoSession(teamB, teamBId);
    await teamB.post(`/api/sessions/${b1.id}/prompt`, { text: `/sleep ${(QUEUE_SECONDS + 60) * 1000}` });
    const a1From = await eventCount(teamA, a1.id);
    const started = Date.now();
    const refused = expectProblem(await teamA.request("POST", `/api/sessions/${a1.id}/prompt`, { text: "too late" }), 503, "sandboxes_busy");
    expect(Date.now() - started).toBeGreaterThanOrEqual(QUEUE_SECONDS * 1000 - 500);
    expect(refused.detail).toContain(`waited ${QUEUE_SECONDS} s in line`);
    expect(await queuePositions(teamA, a1.id, a1From)).toEqual([1]);
    expect(await waitingStarts()).toBe(0);
    // The turn A waited behind ran on all along; B cancels it itself.
    expect((await teamB.get(`/api/sessions/${b1.id}`)).status).toBe("running");
    expect(portalEvents(await allEvents(teamB, b1.id), "restored")).toEqual([]);
    expect((await teamB.request("POST", `/api/sessions/${b1.id}/cancel`)).status).toBeLessThan(300);
    expect((await waitForIdle(teamB, b1.id, 30_000)).lastStopReason).toBe("cancelled");
  });
});

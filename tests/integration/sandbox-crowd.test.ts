import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, openPortal, waitFor, type Api, type PortalFixture } from "./harness";
import { createDemoSession, createMember, createTeam, portalEvents } from "./session-api-helpers";

// Thirty long turns at once, three teams of ten sessions, each session in a bwrap sandbox of its own,
// on a portal with room for six running sandboxes and two per team: every prompt is accepted (a start
// waits in line for a slot instead of a 503), the line moves as turns end, and every turn ends as the
// agent ended it — none cut off, failed or lost.

const TEAMS = 3;
const SESSIONS_PER_TEAM = 10;
const SLEEP_MS = 3_000;

let fixture: PortalFixture;
const teams: Array<{ api: Api; teamId: string; sessions: Array<{ id: string }> }> = [];

beforeAll(async () => {
  fixture = await openPortal({
    env: {
      PORTAL_SANDBOX: "bwrap",
      PORTAL_SANDBOX_MAX_RUNNING: "6",
      PORTAL_SANDBOX_MAX_RUNNING_PER_TEAM: "2",
      PORTAL_SANDBOX_QUEUE_SECONDS: "120",
    },
  });
  teams.push({ api: fixture.api, teamId: fixture.teamId, sessions: [] });
  for (let n = 1; n < TEAMS; n++) {
    const teamId = await createTeam(fixture.db.url, `Crowd ${n}`);
    teams.push({ api: await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId, role: "member" }), teamId, sessions: [] });
  }
  // The three teams create theirs side by side (each its ten one after another): a creation mostly
  // waits on its sandbox's start and on the stop of an idle one it pushes out, not on the CPU.
  await Promise.all(
    teams.map(async (team) => {
      for (let n = 0; n < SESSIONS_PER_TEAM; n++) team.sessions.push(await createDemoSession(team.api, team.teamId));
    }),
  );
}, 180_000);
afterAll(() => fixture?.close());

describe(`${TEAMS * SESSIONS_PER_TEAM} long turns at once through the sandbox caps`, () => {
  it("are all accepted, wait their turn in line, and all end as the agent ended them", async () => {
    const started = Date.now();
    const all = teams.flatMap((team) => team.sessions.map((session) => ({ api: team.api, session })));
    const from = await Promise.all(all.map(async ({ api, session }) => (await allEvents(api, session.id)).length));
    const answers = await Promise.all(all.map(({ api, session }) => api.request("POST", `/api/sessions/${session.id}/prompt`, { text: `/sleep ${SLEEP_MS}` })));
    expect(answers.map((answer) => answer.status)).toEqual(all.map(() => 202));

    const ended = await Promise.all(
      all.map(({ api, session }) =>
        waitFor(
          () => api.get(`/api/sessions/${session.id}`),
          (s) => s.status !== "running" && s.lastStopReason !== null && !s.currentTurnId,
          150_000,
          250,
        ),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(ended.map((s) => s.lastStopReason)).toEqual(all.map(() => "end_turn"));

    let waited = 0;
    for (const [i, { api, session }] of all.entries()) {
      const events = (await allEvents(api, session.id)).slice(from[i]);
      const turnEnds = portalEvents(events, "turn_ended");
      expect(turnEnds.map((e) => e.stopReason)).toEqual(["end_turn"]);
      expect(portalEvents(events, "gap")).toEqual([]);
      expect(portalEvents(events, "limit")).toEqual([]);
      // A wait in line is said and closed: places in line, then 0 when the slot is taken.
      const places = portalEvents(events, "sandbox_queue").map((e) => e.position as number);
      if (places.length > 0) {
        waited += 1;
        expect(places.at(-1)).toBe(0);
        expect(places.slice(0, -1).every((place) => place > 0)).toBe(true);
      }
    }
    // Six slots for thirty sandboxes: most of them had to wait.
    expect(waited).toBeGreaterThanOrEqual(all.length - 6);
    console.log(`[crowd] ${all.length} turns of ${SLEEP_MS / 1000} s in ${seconds.toFixed(1)} s; ${waited} waited in line for a sandbox`);
  }, 180_000);
});

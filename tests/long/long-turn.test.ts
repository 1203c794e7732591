import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, openPortal, waitFor, waitForIdle, type Api, type PortalFixture } from "../integration/harness";
import { createMember, createTeam } from "../integration/session-api-helpers";

// Node's fetch gives up on a response after 300 s; the prompt of a longer turn used to fail there,
// and the SDK then closed the ACP connection every session of the agent shares: every team froze.
// One turn of 330 s runs while sessions of the same and of another team are created and prompted
// before and inside the 300–330 s window; everything must finish normally, the long turn too.

const LONG_TURN_MS = 330_000;
let fixture: PortalFixture;
let otherTeam: Api;
let otherTeamId: string;

beforeAll(async () => {
  fixture = await openPortal();
  otherTeamId = await createTeam(fixture.db.url, "Other team");
  otherTeam = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: otherTeamId, role: "member" });
});

afterAll(async () => {
  await fixture?.close();
});

async function promptAndFinish(api: Api, teamId: string, text: string) {
  const created = await api.request("POST", "/api/sessions", { teamId, agent: "demo" });
  expect(created.status).toBe(201);
  const prompted = await api.request("POST", `/api/sessions/${created.body.id}/prompt`, { text });
  expect(prompted.status).toBe(202);
  const session = await waitForIdle(api, created.body.id, 30_000);
  expect(session.lastStopReason).toBe("end_turn");
  const events = await allEvents(api, created.body.id);
  const reply = events
    .filter((e) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk")
    .map((e) => e.payload.params.update.content.text)
    .join("");
  expect(reply).toContain(text);
}

describe("a turn longer than five minutes", () => {
  it("ends end_turn, and sessions of every team keep working while it runs", { timeout: LONG_TURN_MS + 120_000 }, async () => {
    const { api, teamId } = fixture;
    const long = await api.post("/api/sessions", { teamId, agent: "demo" });
    const started = Date.now();
    await api.post(`/api/sessions/${long.id}/prompt`, { text: `/sleep ${LONG_TURN_MS}` });
    const earlier = await api.post("/api/sessions", { teamId, agent: "demo" });

    // Work before and through the window where Node's 300 s timeout used to strike.
    for (const at of [60_000, 290_000, 305_000, 315_000]) {
      await waitFor(
        async () => Date.now() - started,
        (elapsed) => elapsed >= at,
        LONG_TURN_MS,
        1_000,
      );
      expect((await api.get(`/api/sessions/${long.id}`)).status).toBe("running");
      await promptAndFinish(api, teamId, `same team at ${at / 1000} s`);
      await promptAndFinish(otherTeam, otherTeamId, `other team at ${at / 1000} s`);
    }
    // A session created before the window, prompted inside it, on the same shared connection.
    await api.post(`/api/sessions/${earlier.id}/prompt`, { text: "the earlier one, late" });
    expect((await waitForIdle(api, earlier.id, 30_000)).lastStopReason).toBe("end_turn");

    const ended = await waitForIdle(api, long.id, LONG_TURN_MS + 60_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LONG_TURN_MS);
    expect(ended.lastStopReason).toBe("end_turn");
    const events = await allEvents(api, long.id);
    expect(events.filter((e) => e.sender === "portal" && e.payload.type === "turn_ended").map((e) => e.payload.stopReason)).toEqual(["end_turn"]);
    expect((await api.get("/api/admin/runtime")).connectionLosses).toBe(0);
  });
});

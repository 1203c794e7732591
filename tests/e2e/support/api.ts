import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";

// The contract through the signed-in browser context's cookies: sets up what a test needs to look at.

/** The name of the running spec's own team: "E2E session-ui" for session-ui.spec.ts. */
export function ownTeamName(): string {
  return `E2E ${path.basename(test.info().file, ".spec.ts")}`;
}

// One team per spec file and worker portal (support/fixtures.ts): made by the spec's first call, so no
// spec works in a team an earlier spec's policy, credentials, members or sessions changed.
const ownTeams = new Map<string, Promise<string>>();

/** The running spec's own team (the admin owns it), made on first use. */
export function ownTeam(request: APIRequestContext): Promise<string> {
  const name = ownTeamName();
  let team = ownTeams.get(name);
  if (!team) {
    team = (async () => {
      const response = await request.post("/api/teams", { data: { name } });
      expect(response.status()).toBe(201);
      return (await response.json()).id as string;
    })();
    ownTeams.set(name, team);
    // A failed create is not remembered: the next test makes it again.
    team.catch(() => ownTeams.delete(name));
  }
  return team;
}

export async function createSession(request: APIRequestContext, title: string): Promise<string> {
  const response = await request.post("/api/sessions", { data: { teamId: await ownTeam(request), agent: "demo", title } });
  expect(response.status()).toBe(201);
  return (await response.json()).id as string;
}

export async function prompt(request: APIRequestContext, sessionId: string, text: string) {
  const response = await request.post(`/api/sessions/${sessionId}/prompt`, { data: { text } });
  expect(response.status()).toBe(202);
}

export async function waitForStatus(request: APIRequestContext, sessionId: string, status: string, timeout = 60_000) {
  await expect.poll(async () => (await (await request.get(`/api/sessions/${sessionId}`)).json()).status, { timeout }).toBe(status);
}

/**
 * Answers every permission still waiting in the user's teams (earlier specs on this worker's portal
 * may leave some, and their turns may settle them at any moment), until none is left: a test that counts waiting permissions
 * then starts from exactly zero instead of from a count that can change under it.
 */
export async function clearPendingPermissions(request: APIRequestContext) {
  await expect
    .poll(async () => {
      const { items } = (await (await request.get("/api/permissions?limit=500")).json()) as { items: Array<{ id: string; sessionId: string }> };
      // 200, or 409 when the permission was answered or expired meanwhile: either way it no longer waits.
      for (const item of items) await request.post(`/api/sessions/${item.sessionId}/permissions/${item.id}`, { data: { reply: "reject" } });
      return items.length;
    })
    .toBe(0);
}

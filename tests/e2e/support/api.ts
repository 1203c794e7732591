import { expect, type APIRequestContext } from "@playwright/test";

// The contract through the signed-in browser context's cookies: sets up what a test needs to look at.

export async function defaultTeam(request: APIRequestContext): Promise<string> {
  const me = await (await request.get("/api/me")).json();
  return me.teams[0].id as string;
}

export async function createSession(request: APIRequestContext, title: string): Promise<string> {
  const response = await request.post("/api/sessions", { data: { teamId: await defaultTeam(request), agent: "demo", title } });
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
 * Answers every permission still waiting in the user's teams (earlier specs may leave some, and their
 * turns may settle them at any moment), until none is left: a test that counts waiting permissions
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

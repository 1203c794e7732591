import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPortal, waitFor, waitForIdle, type Api, type PortalFixture } from "./harness";
import { createDemoSession, createMember, createTeam, expectProblem, waitForPermission } from "./session-api-helpers";

// "Needs you": a running session waiting on a permission is awaiting_input everywhere, the inbox
// lists every pending permission of my teams (and nothing of other teams), the live feed pushes a
// snapshot when one appears or is answered; archiving hides a session from the default list.

let fixture: PortalFixture;
let api: Api;
let teamId: string;

beforeAll(async () => {
  fixture = await openPortal();
  ({ api, teamId } = fixture);
});
afterAll(() => fixture?.close());

/** Reads the attention feed until a snapshot matches (`id`: the snapshot's SSE id). */
async function attentionUntil(
  client: Api,
  predicate: (snapshot: any) => boolean,
  { timeoutMs = 20_000, query = "", lastEventId }: { timeoutMs?: number; query?: string; lastEventId?: string } = {},
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(`${client.baseUrl}/api/permissions/stream${query}`, {
      headers: { authorization: `Bearer ${client.token}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error("stream ended");
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf("\n\n");
      while (cut !== -1) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf("\n\n");
        const lines = frame.split("\n");
        const data = lines.find((line) => line.startsWith("data: "));
        if (frame.includes("event: attention") && data) {
          const snapshot = { ...JSON.parse(data.slice(6)), id: lines.find((line) => line.startsWith("id: "))?.slice(4) };
          if (predicate(snapshot)) return snapshot;
        }
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe("needs you", () => {
  it("shows a waiting permission as awaiting_input, in the inbox and on the live feed, only to the team", async () => {
    const otherTeam = await createTeam(fixture.db.url, "Elsewhere");
    const outsider = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: otherTeam, role: "owner" });
    const session = await createDemoSession(api, teamId, { title: "Needs an answer" });
    const feed = attentionUntil(api, (snapshot) => snapshot.items.some((item: any) => item.sessionId === session.id));
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const permission = await waitForPermission(api, session.id);

    const pushed = await feed;
    expect(pushed.count).toBeGreaterThanOrEqual(1);
    expect((await api.get(`/api/sessions/${session.id}`)).status).toBe("awaiting_input");
    const listed = await api.get(`/api/sessions?status=awaiting_input`);
    expect(listed.items.map((item: any) => item.id)).toEqual([session.id]);
    expect((await api.get(`/api/sessions?status=running`)).items.map((item: any) => item.id)).not.toContain(session.id);

    const inbox = await api.get("/api/permissions");
    expect(inbox.items).toHaveLength(1);
    expect(inbox.items[0]).toMatchObject({
      id: permission.id,
      sessionId: session.id,
      teamId,
      sessionTitle: "Needs an answer",
      toolCall: { title: "Edit demo.txt" },
    });
    expect(inbox.nextCursor).toBeNull();
    expect((await outsider.get("/api/permissions")).items).toEqual([]);

    // Answered from the inbox: the feed says nothing waits any more and the session runs on.
    const cleared = attentionUntil(api, (snapshot) => snapshot.count === 0);
    await api.post(`/api/sessions/${session.id}/permissions/${permission.id}`, { reply: "once" });
    expect((await cleared).items).toEqual([]);
    await waitForIdle(api, session.id);
    expect((await api.get("/api/permissions")).items).toEqual([]);
  });

  it("pages the inbox by keyset and refuses a cursor it did not give out", async () => {
    const sessions = await Promise.all([1, 2, 3].map((n) => createDemoSession(api, teamId, { title: `Inbox ${n}` })));
    for (const session of sessions) await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    await waitFor(
      () => api.get("/api/permissions?limit=500"),
      (page) => page.items.length === 3,
    );
    const first = await api.get("/api/permissions?limit=2");
    expect(first.items).toHaveLength(2);
    const second = await api.get(`/api/permissions?limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.items, ...second.items].map((item: any) => item.id)).size).toBe(3);
    expectProblem(await api.request("GET", "/api/permissions?cursor=nonsense"), 400);
    expectProblem(await api.request("GET", "/api/permissions?limit=0"), 422);
    for (const session of sessions) {
      const [pending] = (await api.get(`/api/sessions/${session.id}`)).pendingPermissions;
      await api.post(`/api/sessions/${session.id}/permissions/${pending.id}`, { reply: "reject" });
      await waitForIdle(api, session.id);
    }
  });
});

describe("the feed catches up", () => {
  // A list is rendered, then its page's feed connects: what changed in between must still reach it.
  it("brings the sessions changed since the page's render time, or since the last snapshot on a reconnect", async () => {
    const ownTeam = await createTeam(fixture.db.url, "Catching up");
    const owner = await createMember(fixture.portal.baseUrl, fixture.db.url, { teamId: ownTeam, role: "owner" });
    const renderedAt = Date.now();
    const made = await createDemoSession(owner, ownTeam, { title: "Made before the feed" });
    expect((await owner.request("PATCH", `/api/sessions/${made.id}`, { archived: true })).status).toBe(200);
    const first = await attentionUntil(owner, () => true, { query: `?since=${renderedAt}` });
    expect(first.resync).toBe(false);
    expect(first.sessions.find((session: any) => session.id === made.id)).toMatchObject({ teamId: ownTeam, archivedAt: expect.any(String) });
    expect(Number(first.id)).toBeGreaterThanOrEqual(renderedAt);

    // The browser's reconnect: the same URL, and the id of the last snapshot it read.
    const later = await createDemoSession(owner, ownTeam, { title: "Made while away" });
    const again = await attentionUntil(owner, () => true, { query: `?since=${renderedAt}`, lastEventId: first.id });
    expect(again.sessions.map((session: any) => session.id)).toContain(later.id);
  });

  it("asks the viewer to re-read its lists when the time is older than it remembers, and refuses a malformed one", async () => {
    const stale = await attentionUntil(api, () => true, { query: `?since=${Date.now() - 3_600_000}` });
    expect(stale.resync).toBe(true);
    const fresh = await attentionUntil(api, () => true);
    expect(fresh.resync).toBe(false);
    expectProblem(await api.request("GET", "/api/permissions/stream?since=yesterday"), 422, "validation_failed");
  });
});

describe("archive and rename", () => {
  it("hides an archived session from the default list, shows it on request, and brings it back", async () => {
    const session = await createDemoSession(api, teamId, { title: "Old work" });
    const archived = await api.request("PATCH", `/api/sessions/${session.id}`, { archived: true, title: "Old work (done)" });
    expect(archived.status).toBe(200);
    expect(archived.body.title).toBe("Old work (done)");
    expect(typeof archived.body.archivedAt).toBe("string");
    expect((await api.get("/api/sessions")).items.map((item: any) => item.id)).not.toContain(session.id);
    expect((await api.get("/api/sessions?archived=only")).items.map((item: any) => item.id)).toEqual([session.id]);
    expect((await api.get("/api/sessions?archived=include")).items.map((item: any) => item.id)).toContain(session.id);
    expectProblem(await api.request("PATCH", `/api/sessions/${session.id}`, { archived: "yes" }), 422);

    // A destroyed session can still be archived and unarchived (bookkeeping, not a turn).
    expect((await api.request("DELETE", `/api/sessions/${session.id}`)).status).toBe(204);
    expectProblem(await api.request("PATCH", `/api/sessions/${session.id}`, { title: "Renamed after the end" }), 409);
    const restored = await api.request("PATCH", `/api/sessions/${session.id}`, { archived: false });
    expect(restored.status).toBe(200);
    expect(restored.body.archivedAt).toBeNull();
    expect((await api.get("/api/sessions")).items.map((item: any) => item.id)).toContain(session.id);
  });
});

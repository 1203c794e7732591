import { readdirSync } from "node:fs";
import http from "node:http";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allEvents,
  apiFor,
  removeDir,
  startPortal,
  tokenClient,
  waitFor,
  waitForIdle,
  openPortal,
  type Api,
  type Portal,
  type PortalFixture,
  type TestDatabase,
} from "./harness";

// GET /api/sessions/:id/stream against the real portal, runtime and PostgreSQL: every seam between
// stored and live events, two portal processes sharing one database, a stalled viewer, membership
// removal, and closed connections releasing what they held. Viewers are the `eventsource` package.

interface StreamEvent {
  index: number;
  sender: string;
  createdAt: string;
  payload: any;
}

interface Viewer {
  events: StreamEvent[];
  opens: number;
  readonly lastIndex: number;
  readonly state: number;
  waitForIndex(index: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** An EventSource viewer with a bearer token; `gate` holds its first connection's body unread until it resolves. */
function openViewer(baseUrl: string, token: string, sessionId: string, options: { after?: number; lastEventId?: number; gate?: Promise<void> } = {}): Viewer {
  const events: StreamEvent[] = [];
  let opens = 0;
  let closed = false;
  let gate = options.gate;
  const url = `${baseUrl}/api/sessions/${sessionId}/stream${options.after !== undefined ? `?after=${options.after}` : ""}`;
  const source = new EventSource(url, {
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${token}`);
      if (options.lastEventId !== undefined && !headers.has("last-event-id")) headers.set("last-event-id", String(options.lastEventId));
      const response = await fetch(input, { ...init, headers });
      const held = gate;
      gate = undefined;
      if (!held || !response.body) return response;
      // A viewer that stops reading: nothing passes until the gate opens, so the socket backs up.
      const stalled = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          async transform(chunk, controller) {
            await held;
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(stalled, { status: response.status, headers: response.headers });
    },
  });
  source.addEventListener("open", () => (opens += 1));
  source.addEventListener("event", (message) => {
    if (!closed) events.push(JSON.parse(message.data) as StreamEvent);
  });
  return {
    events,
    get opens() {
      return opens;
    },
    get lastIndex() {
      return events.at(-1)?.index ?? options.lastEventId ?? options.after ?? 0;
    },
    get state() {
      return source.readyState;
    },
    async waitForIndex(index, timeoutMs = 60_000) {
      await waitFor(
        async () => events.at(-1)?.index ?? 0,
        (last) => last >= index,
        timeoutMs,
        20,
      );
    },
    close: () => {
      closed = true;
      source.close();
    },
  };
}

function range(from: number, to: number) {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** Waits until the turn is over and no more events trickle in (the last chunks may follow the stop reason). */
async function settled(api: Api, sessionId: string) {
  await waitForIdle(api, sessionId, 120_000).catch((error: Error) => {
    throw new Error(`${error.message}\n--- portal output (tail) ---\n${[portal, other].map((instance) => instance?.output().slice(-2_000) ?? "").join("\n")}`);
  });
  let count = -1;
  for (;;) {
    const session = await api.get(`/api/sessions/${sessionId}`);
    if (session.eventCount === count) return count;
    count = session.eventCount;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

async function newSession(api: Api, teamId: string, title: string) {
  const created = await api.request("POST", "/api/sessions", { teamId, agent: "demo", title });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** A raw stream response read until it ends: the text so far, whether it ended, and the whole text once it has. */
function readRaw(response: Response, timeoutMs: number) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const state = { text: "", ended: false, done: Promise.resolve("") };
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  state.done = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (value) state.text += decoder.decode(value, { stream: true });
        if (done) break;
      }
    } catch {
      // reset by the server counts as an end too
    } finally {
      clearTimeout(timer);
      state.ended = true;
    }
    return state.text;
  })();
  return state;
}

/** Waits until a raw stream has carried `text` (proof that it is open and delivering). */
function waitForText(stream: { text: string }, text: string, timeoutMs = 30_000) {
  return waitFor(
    async () => stream.text,
    (so) => so.includes(text),
    timeoutMs,
    20,
  );
}

function openFdCount(pid: number) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

let fixture: PortalFixture;
let db: TestDatabase;
let portal: Portal;
let other: Portal | undefined;
let api: Api;
let teamId: string;
let pingSession: string;
let pingOpenedAt: number;
let pingSeenAfterMs: number | null = null;
let pingAbort: AbortController;

beforeAll(async () => {
  fixture = await openPortal();
  ({ db, portal, api, teamId } = fixture);
  // An idle stream left open for the whole file: it must see a `: ping` within 15 s.
  pingSession = await newSession(api, teamId, "ping");
  pingAbort = new AbortController();
  const response = await fetch(`${portal.baseUrl}/api/sessions/${pingSession}/stream`, {
    headers: { authorization: `Bearer ${api.token}` },
    signal: pingAbort.signal,
  });
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  pingOpenedAt = Date.now();
  void (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (pingSeenAfterMs === null) {
      const { done, value } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
      if (text.includes(": ping\n")) pingSeenAfterMs = Date.now() - pingOpenedAt;
    }
  })().catch(() => undefined);
});

afterAll(async () => {
  pingAbort?.abort();
  await fixture?.close();
});

describe("GET /api/sessions/:id/stream", () => {
  it("answers problems before streaming: 401 without auth, 404 for unknown sessions, 422 for a bad resume point", async () => {
    const session = await newSession(api, teamId, "errors");
    expect((await fetch(`${portal.baseUrl}/api/sessions/${session}/stream`)).status).toBe(401);
    const unknown = await api.request("GET", "/api/sessions/00000000-0000-0000-0000-000000000000/stream");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
    expect((await api.request("GET", `/api/sessions/${session}/stream?after=-1`)).status).toBe(422);
    const badHeader = await api.request("GET", `/api/sessions/${session}/stream`, undefined, { "last-event-id": "abc" });
    expect(badHeader.status).toBe(422);
    expect(badHeader.body.errors[0].path).toBe("Last-Event-ID");
  });

  it("streams the whole history then live events, with portal events, exactly as stored", async () => {
    const session = await newSession(api, teamId, "history and live");
    await api.post(`/api/sessions/${session}/prompt`, { text: "stored before anyone watched" });
    const before = await settled(api, session);

    const viewer = openViewer(portal.baseUrl, api.token, session);
    await viewer.waitForIndex(before);
    await api.post(`/api/sessions/${session}/prompt`, { text: "/tool" });
    const permission = await waitFor(
      () => api.get(`/api/sessions/${session}/permissions`),
      (page) => page.items.length === 1,
    );
    await api.post(`/api/sessions/${session}/permissions/${permission.items[0].id}`, { reply: "once" });
    const total = await settled(api, session);
    await viewer.waitForIndex(total);
    viewer.close();

    expect(viewer.events).toEqual(await allEvents(api, session));
    const portalTypes = viewer.events.filter((event) => event.sender === "portal").map((event) => event.payload.type);
    expect(portalTypes).toEqual(expect.arrayContaining(["status", "turn_ended", "permission_requested", "permission_resolved"]));
    expect(viewer.opens).toBe(1);
  });

  it("resumes mid-backlog, exactly at the live edge and during a stream with each index once", async () => {
    const session = await newSession(api, teamId, "seams");
    await api.post(`/api/sessions/${session}/prompt`, { text: "/stream 600 2000" });
    const stored = await settled(api, session);
    expect(stored).toBeGreaterThan(600);

    // Mid-backlog: both ways of naming the resume point.
    const half = Math.floor(stored / 2);
    const byHeader = openViewer(portal.baseUrl, api.token, session, { lastEventId: half });
    const byQuery = openViewer(portal.baseUrl, api.token, session, { after: half + 7 });
    // Exactly at the live edge: nothing stored after it yet.
    const atEdge = openViewer(portal.baseUrl, api.token, session, { lastEventId: stored });
    await byHeader.waitForIndex(stored);
    await byQuery.waitForIndex(stored);
    // Open at the edge before anything new is stored; that it got none of the stored events (and each
    // new one once) is the comparison with the history below.
    await waitFor(
      async () => atEdge.opens,
      (opens) => opens === 1,
    );

    // During a stream: viewers join at random moments from the start, and one keeps reconnecting
    // from where it was (Last-Event-ID), so backlog/live seams fall in the middle of live batches.
    await api.post(`/api/sessions/${session}/prompt`, { text: "/stream 3000 2000" });
    const joiners: Array<{ viewer: Viewer; after: number }> = [];
    const hops: Viewer[] = [];
    let hopper = openViewer(portal.baseUrl, api.token, session, { lastEventId: stored });
    const streamEnd = Date.now() + 1_300;
    while (Date.now() < streamEnd) {
      await new Promise((resolve) => setTimeout(resolve, 60 + Math.random() * 150));
      if (joiners.length < 5) {
        const after = Math.floor(Math.random() * stored);
        joiners.push({ viewer: openViewer(portal.baseUrl, api.token, session, { after }), after });
      }
      hopper.close();
      hops.push(hopper);
      hopper = openViewer(portal.baseUrl, api.token, session, { lastEventId: hopper.lastIndex });
    }
    hops.push(hopper);
    const total = await settled(api, session);
    const history = await allEvents(api, session);
    expect(history.map((event) => event.index)).toEqual(range(1, total));

    const everyone = [byHeader, byQuery, atEdge, hopper, ...joiners.map((joiner) => joiner.viewer)];
    for (const viewer of everyone) await viewer.waitForIndex(total);
    for (const viewer of everyone) viewer.close();

    expect(byHeader.events).toEqual(history.slice(half));
    expect(byQuery.events).toEqual(history.slice(half + 7));
    expect(atEdge.events).toEqual(history.slice(stored));
    expect(joiners.length).toBeGreaterThan(2);
    for (const { viewer, after } of joiners) expect(viewer.events).toEqual(history.slice(after));
    const hopped = hops.flatMap((viewer) => viewer.events);
    expect(hops.length).toBeGreaterThan(3);
    expect(hopped).toEqual(history.slice(stored));
  });

  it("disconnects a stalled viewer without holding up the others; its EventSource resumes from the database", async () => {
    const session = await newSession(api, teamId, "slow viewer");
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const stalled = openViewer(portal.baseUrl, api.token, session, { gate });
    const brisk = openViewer(portal.baseUrl, api.token, session);
    await waitFor(
      async () => stalled.opens + brisk.opens,
      (opens) => opens === 2,
    );

    // About 7 MB of events (at a pace the runtime carries): well over the viewer's 1 MiB bound plus
    // the few MB the sockets hold.
    await api.post(`/api/sessions/${session}/prompt`, { text: "/stream 24000 2400" });
    const total = await settled(api, session);
    await brisk.waitForIndex(total);
    expect(stalled.events.length).toBe(0);
    const history = await allEvents(api, session);
    expect(brisk.events).toEqual(history);

    openGate();
    await stalled.waitForIndex(total);
    stalled.close();
    brisk.close();
    expect(stalled.opens).toBeGreaterThanOrEqual(2);
    expect(stalled.events).toEqual(history);
    expect(brisk.opens).toBe(1);
  });

  it("closes a member's open streams when the membership is removed, not when the role changes", async () => {
    const email = `watcher-${Date.now()}@example.test`;
    const password = "watcher-password-1234";
    const added = await api.request("POST", `/api/teams/${teamId}/members`, { email, role: "viewer", password });
    expect(added.status).toBe(201);
    const watcher = await apiFor(portal.baseUrl, email, password);
    const session = await newSession(api, teamId, "membership");

    const controller = new AbortController();
    const response = await fetch(`${portal.baseUrl}/api/sessions/${session}/stream`, {
      headers: { authorization: `Bearer ${watcher.token}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const streamed = readRaw(response, 30_000);

    // After the role change the stream still delivers: the prompt sent after it arrives on it.
    expect((await api.request("PATCH", `/api/teams/${teamId}/members/${added.body.userId}`, { role: "member" })).status).toBe(200);
    await api.post(`/api/sessions/${session}/prompt`, { text: "still watching" });
    await waitForText(streamed, '"still watching"');
    expect(streamed.ended).toBe(false);

    const startedAt = Date.now();
    expect((await api.request("DELETE", `/api/teams/${teamId}/members/${added.body.userId}`)).status).toBe(204);
    const text = await streamed.done;
    expect(Date.now() - startedAt).toBeLessThan(20_000); // ended by the removal, not by readRaw's 30 s limit
    controller.abort();
    expect(text).toContain('"still watching"');
    expect((await watcher.request("GET", `/api/sessions/${session}/stream`)).status).toBe(404);
  });

  it("closes the streams opened with a personal token when it is revoked, and only those", async () => {
    const session = await newSession(api, teamId, "token revoked");
    const created = await api.createToken({ name: "dashboard" });
    expect(created.status).toBe(201);
    const open = async (token: string) => {
      const controller = new AbortController();
      const response = await fetch(`${portal.baseUrl}/api/sessions/${session}/stream`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      return { stream: readRaw(response, 30_000), controller };
    };
    const revoked = await open(created.body.token);
    const kept = await open(api.token);
    // Both deliver before the revocation: a prompt's event arrives on each.
    await api.post(`/api/sessions/${session}/prompt`, { text: "before revoking" });
    await Promise.all([waitForText(revoked.stream, '"before revoking"'), waitForText(kept.stream, '"before revoking"')]);

    const startedAt = Date.now();
    expect((await api.request("DELETE", `/api/tokens/${created.body.id}`)).status).toBe(204);
    await revoked.stream.done;
    expect(Date.now() - startedAt).toBeLessThan(20_000); // ended by the revocation, not by readRaw's 30 s limit
    // The other one still delivers: a prompt after the revocation arrives on it.
    await waitForIdle(api, session);
    await api.post(`/api/sessions/${session}/prompt`, { text: "after revoking" });
    await waitForText(kept.stream, '"after revoking"');
    expect(kept.stream.ended).toBe(false);
    kept.controller.abort();
    expect((await tokenClient(portal.baseUrl, created.body.token).request("GET", `/api/sessions/${session}/stream`)).status).toBe(401);
  });

  it("releases closed connections: open file descriptors stay flat over connect/disconnect cycles", async () => {
    const session = await newSession(api, teamId, "cycles");
    await api.post(`/api/sessions/${session}/prompt`, { text: "a short history to replay" });
    const count = await settled(api, session);
    const pid = portal.process.pid!;
    // node:http with its own connection, destroyed after the first bytes: a tab being closed.
    const cycle = () =>
      new Promise<void>((resolve, reject) => {
        const request = http.get(
          `${portal.baseUrl}/api/sessions/${session}/stream?after=${count - 2}`,
          { headers: { authorization: `Bearer ${api.token}` }, agent: false },
          (response) => {
            response.once("data", () => {
              request.destroy();
              resolve();
            });
          },
        );
        request.on("error", (error) => (request.destroyed ? resolve() : reject(error)));
      });
    for (let i = 0; i < 10; i += 1) await cycle();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = openFdCount(pid);
    for (let i = 0; i < 100; i += 1) await cycle();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = openFdCount(pid);
    // A leak would keep one socket per cycle; the database pool may open a few more connections.
    expect(after - before).toBeLessThan(15);
  });

  it("sends `: ping` on an idle stream within 15 s", async () => {
    // The stream has been open since beforeAll, usually long enough already; allow for a busy machine.
    await waitFor(
      async () => pingSeenAfterMs,
      (seen) => seen !== null,
      Math.max(1_000, pingOpenedAt + 25_000 - Date.now()),
      100,
    );
    pingAbort.abort();
  }, 30_000);
});

describe("two portal instances sharing one database", () => {
  let otherApi: Api;

  beforeAll(async () => {
    other = await startPortal({ databaseUrl: db.url });
    otherApi = await apiFor(other.baseUrl);
  });

  afterAll(async () => {
    await other?.stop();
    removeDir(other?.dataDir ?? "");
  });

  it("streams every event of a session created on one instance to viewers on both", async () => {
    for (const [writer, reader] of [
      [api, otherApi],
      [otherApi, api],
    ] as const) {
      const session = await newSession(writer, teamId, "two instances");
      const remote = openViewer(reader.baseUrl, reader.token, session);
      const local = openViewer(writer.baseUrl, writer.token, session);
      await waitFor(
        async () => remote.opens + local.opens,
        (opens) => opens === 2,
      );
      await writer.post(`/api/sessions/${session}/prompt`, { text: "/stream 1500 2000" });
      const total = await settled(writer, session);
      await remote.waitForIndex(total);
      await local.waitForIndex(total);
      remote.close();
      local.close();
      const history = await allEvents(writer, session);
      expect(history.map((event) => event.index)).toEqual(range(1, total));
      expect(remote.events).toEqual(history);
      expect(local.events).toEqual(history);
      expect(remote.events.some((event) => event.sender === "portal" && event.payload.type === "turn_ended")).toBe(true);
    }
  });

  it("closes a removed member's stream on the other instance", async () => {
    const email = `remote-watcher-${Date.now()}@example.test`;
    const password = "remote-watcher-password";
    const added = await api.request("POST", `/api/teams/${teamId}/members`, { email, role: "viewer", password });
    expect(added.status).toBe(201);
    const watcher = await apiFor(other!.baseUrl, email, password);
    const session = await newSession(api, teamId, "remote membership");
    const controller = new AbortController();
    const response = await fetch(`${other!.baseUrl}/api/sessions/${session}/stream`, {
      headers: { authorization: `Bearer ${watcher.token}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const streamed = readRaw(response, 30_000);
    const startedAt = Date.now();
    expect((await api.request("DELETE", `/api/teams/${teamId}/members/${added.body.userId}`)).status).toBe(204);
    await streamed.done;
    controller.abort();
    expect(Date.now() - startedAt).toBeLessThan(20_000);
  });
});

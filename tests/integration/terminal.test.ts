import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { apiFor, createTestDatabase, defaultTeamId, removeDir, startPortal, waitFor, type Api, type Portal, type TestDatabase } from "./harness";

// The Terminal: a shell in a real jail through the runtime's process API, reached only through the
// portal, on two portal instances sharing one database (the owner holds the runtime): over the
// input route and event stream, and over the terminal's WebSocket (a ticket, then …/socket). The
// workspace archive, which only the owner can read, downloads through the other instance as well.

let database: TestDatabase;
const portals: Portal[] = [];
let owner: Api;
let other: Api;
let viewer: Api;
let stranger: Api;
let teamId: string;
let sandboxId: string;

beforeAll(async () => {
  database = await createTestDatabase("portal_terminal");
  const env = { NEXTAUTH_SECRET: randomBytes(32).toString("hex"), PORTAL_SECRETS_KEY: randomBytes(32).toString("hex") };
  portals.push(await startPortal({ databaseUrl: database.url, env }));
  portals.push(await startPortal({ databaseUrl: database.url, env }));
  owner = await apiFor(portals[0]!.baseUrl);
  other = await apiFor(portals[1]!.baseUrl);
  teamId = await defaultTeamId(owner);
  const email = `viewer-${Date.now()}@example.test`;
  const added = await owner.request("POST", `/api/teams/${teamId}/members`, { email, role: "viewer", name: "Vera Viewer", password: "viewer-password-123" });
  expect(added.status).toBe(201);
  viewer = await apiFor(portals[1]!.baseUrl, email, "viewer-password-123");
  // Someone of another team only.
  const otherTeam = await owner.post("/api/teams", { name: "Elsewhere" });
  const strangerEmail = `stranger-${Date.now()}@example.test`;
  const joined = await owner.request("POST", `/api/teams/${otherTeam.id}/members`, { email: strangerEmail, role: "owner", password: "stranger-password-123" });
  expect(joined.status).toBe(201);
  stranger = await apiFor(portals[0]!.baseUrl, strangerEmail, "stranger-password-123");
  const session = await owner.post("/api/sessions", { teamId, agent: "demo" });
  sandboxId = session.sandboxId;
}, 240_000);

afterAll(async () => {
  for (const portal of portals) await portal.stop();
  for (const portal of portals) removeDir(portal.dataDir);
  await database?.drop();
});

interface Reader {
  text(): string;
  lastId(): number;
  ended(): boolean;
  close(): void;
  /** Waits until the output seen so far matches. */
  until(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Waits until the output read so far matches. */
const untilText =
  (text: () => string) =>
  (pattern: RegExp, timeoutMs = 15_000) =>
    waitFor(
      async () => text(),
      (value) => pattern.test(value),
      timeoutMs,
      20,
    );

/** Reads a terminal's SSE stream through one instance, decoding the base64 pty chunks. */
function readStream(api: Api, terminalId: string, lastEventId?: number): Reader {
  const abort = new AbortController();
  let text = "";
  let lastId = 0;
  let ended = false;
  void (async () => {
    const response = await fetch(`${api.baseUrl}/api/sandboxes/${sandboxId}/terminals/${terminalId}/stream`, {
      headers: { authorization: `Bearer ${api.token}`, ...(lastEventId !== undefined ? { "last-event-id": String(lastEventId) } : {}) },
      signal: abort.signal,
    });
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          frame
            .split("\n")
            .filter((line) => !line.startsWith(":"))
            .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
        );
        if (fields.event === "output") {
          lastId = Number(fields.id);
          text += Buffer.from(fields.data ?? "", "base64").toString("utf8");
        }
        if (fields.event === "end") ended = true;
      }
    }
  })().catch(() => undefined);
  return {
    text: () => text,
    lastId: () => lastId,
    ended: () => ended,
    close: () => abort.abort(),
    until: untilText(() => text),
  };
}

interface SocketReader extends Reader {
  /** The error frames the portal answered with. */
  errors: Array<{ status: number; code: string }>;
  /** The close code once the socket closed. */
  closedWith: () => number | null;
  type(data: string): void;
  resize(cols: number, rows: number): void;
}

const ticketFor = (api: Api, terminalId: string) => api.request("POST", `/api/sandboxes/${sandboxId}/terminals/${terminalId}/socket-ticket`);
const socketUrl = (api: Api, path: string) => `${api.baseUrl.replace(/^http/, "ws")}${path}`;

/** Opens the terminal's WebSocket through one instance (a ticket first), decoding the output frames. */
async function openSocket(api: Api, terminalId: string, since?: number): Promise<SocketReader> {
  const ticket = await ticketFor(api, terminalId);
  expect(ticket.status).toBe(201);
  const socket = new WebSocket(socketUrl(api, `${ticket.body.url}${since !== undefined ? `&since=${since}` : ""}`));
  let text = "";
  let lastId = 0;
  let ended = false;
  let closedWith: number | null = null;
  const errors: SocketReader["errors"] = [];
  socket.on("close", (code) => (closedWith = code));
  socket.on("message", (raw) => {
    const frame = JSON.parse(raw.toString()) as { type: string; seq: number; data: string; status: number; code: string };
    if (frame.type === "output") {
      lastId = frame.seq;
      text += Buffer.from(frame.data, "base64").toString("utf8");
    }
    if (frame.type === "end") ended = true;
    if (frame.type === "error") errors.push({ status: frame.status, code: frame.code });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return {
    text: () => text,
    lastId: () => lastId,
    ended: () => ended,
    errors,
    closedWith: () => closedWith,
    close: () => socket.close(),
    type: (data) => socket.send(JSON.stringify({ type: "input", data })),
    resize: (cols, rows) => socket.send(JSON.stringify({ type: "resize", cols, rows })),
    until: untilText(() => text),
  };
}

/** What the server answers an upgrade it refuses: the status and the problem's code. */
function refusedUpgrade(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; code: string }>((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("open", () => reject(new Error("the upgrade was accepted")));
    socket.once("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, code: (JSON.parse(body) as { code: string }).code }));
    });
    socket.once("error", () => undefined);
  });
}

const type = (api: Api, terminalId: string, data: string) => api.request("POST", `/api/sandboxes/${sandboxId}/terminals/${terminalId}/input`, { data });

describe("terminal", () => {
  let terminalId: string;

  it("runs a shell in the sandbox as its own user, through the portal", async () => {
    const opened = await owner.request("POST", `/api/sandboxes/${sandboxId}/terminals`, { cols: 80, rows: 24 });
    expect(opened.status).toBe(201);
    terminalId = opened.body.id;
    const reader = readStream(owner, terminalId);
    expect((await type(owner, terminalId, "echo hi-$((40+2))\n")).status).toBe(204);
    await reader.until(/hi-42/);
    await type(owner, terminalId, "id -u; pwd\n");
    const output = await reader.until(/\n\/workspace/);
    expect(output).toMatch(/2\d{5}\r?\n\/workspace/);
    reader.close();
  });

  it("resizes with the window", async () => {
    const reader = readStream(owner, terminalId);
    expect((await owner.request("POST", `/api/sandboxes/${sandboxId}/terminals/${terminalId}/resize`, { cols: 132, rows: 40 })).status).toBe(204);
    await type(owner, terminalId, "stty size\n");
    await reader.until(/40 132/);
    reader.close();
    expect((await owner.request("POST", `/api/sandboxes/${sandboxId}/terminals/${terminalId}/resize`, { cols: 0, rows: 40 })).status).toBe(422);
  });

  it("reattaches after a reload: the open terminal is listed and its stream resumes after the last event", async () => {
    const listed = await owner.get(`/api/sandboxes/${sandboxId}/terminals`);
    expect(listed.items.map((item: { id: string }) => item.id)).toContain(terminalId);
    const first = readStream(owner, terminalId);
    await first.until(/hi-42/);
    await waitFor(
      async () => first.lastId(),
      (id) => id > 0,
    );
    const seen = first.lastId();
    first.close();
    await type(owner, terminalId, "echo after-reload\n");
    const resumed = readStream(owner, terminalId, seen);
    await resumed.until(/after-reload/);
    expect(resumed.text()).not.toContain("hi-42");
    resumed.close();
  });

  it("works through another instance than the owner, and a viewer watches but cannot type", async () => {
    const watcher = readStream(viewer, terminalId);
    const typed = await type(other, terminalId, "echo via-other-instance\n");
    expect(typed.status).toBe(204);
    await watcher.until(/via-other-instance/);
    const refused = await type(viewer, terminalId, "echo nope\n");
    expect(refused.status).toBe(403);
    expect((await viewer.request("POST", `/api/sandboxes/${sandboxId}/terminals`, {})).status).toBe(403);
    expect((await viewer.request("DELETE", `/api/sandboxes/${sandboxId}/terminals/${terminalId}`)).status).toBe(403);
    watcher.close();
  });

  it("over its WebSocket: types `echo hi` and reads `hi`, resizes, and resumes after the last chunk it had", async () => {
    const socket = await openSocket(owner, terminalId);
    socket.type("echo hi\n");
    await socket.until(/^hi\r?$/m);
    socket.resize(100, 30);
    socket.type("stty size\n");
    await socket.until(/30 100/);
    const seen = socket.lastId();
    socket.close();
    await type(owner, terminalId, "echo after-socket\n");
    const resumed = await openSocket(owner, terminalId, seen);
    await resumed.until(/after-socket/);
    expect(resumed.text()).not.toContain("stty size");
    resumed.close();
  });

  it("over a WebSocket on another instance than the owner, and a viewer's socket watches but cannot type", async () => {
    const socket = await openSocket(other, terminalId);
    const watcher = await openSocket(viewer, terminalId);
    socket.type("echo socket-on-$((1+1))-instances\n");
    await socket.until(/socket-on-2-instances/);
    await watcher.until(/socket-on-2-instances/);
    watcher.type("echo typed-by-viewer\n");
    await waitFor(
      async () => watcher.errors,
      (errors) => errors.length > 0,
    );
    expect(watcher.errors).toEqual([{ status: 403, code: "role_too_low" }]);
    // The member's next line comes after the viewer's refused one: the shell never got it.
    socket.type("echo after-viewer\n");
    await watcher.until(/^after-viewer\r?$/m);
    expect(watcher.text()).not.toContain("typed-by-viewer");
    socket.close();
    watcher.close();
  });

  it("follows its holder's access: a lowered role stops the typing; a removed membership or a revoked token closes it", async () => {
    const join = async (name: string) => {
      const email = `${name}-${Date.now()}@example.test`;
      const added = await owner.request("POST", `/api/teams/${teamId}/members`, { email, role: "member", password: "member-password-123" });
      expect(added.status).toBe(201);
      return { userId: added.body.userId as string, api: await apiFor(portals[1]!.baseUrl, email, "member-password-123") };
    };
    const demoted = await join("demoted");
    const socket = await openSocket(demoted.api, terminalId);
    socket.type("echo member-$((2+3))\n");
    await socket.until(/member-5/);
    expect((await owner.request("PATCH", `/api/teams/${teamId}/members/${demoted.userId}`, { role: "viewer" })).status).toBe(200);
    // Typed until the role change has reached the instance holding the socket (it is told, not polled).
    await waitFor(
      async () => {
        socket.type("echo still-a-member\n");
        return socket.errors;
      },
      (errors) => errors.some((error) => error.code === "role_too_low"),
      15_000,
      200,
    );
    expect((await owner.request("DELETE", `/api/teams/${teamId}/members/${demoted.userId}`)).status).toBe(204);
    await waitFor(
      async () => socket.closedWith(),
      (code) => code !== null,
    );
    expect(socket.closedWith()).toBe(4404);

    const scripted = await join("scripted");
    const tokenSocket = await openSocket(scripted.api, terminalId);
    const token = (await scripted.api.get("/api/tokens")).items[0].id as string;
    expect((await scripted.api.request("DELETE", `/api/tokens/${token}`)).status).toBe(204);
    await waitFor(
      async () => tokenSocket.closedWith(),
      (code) => code !== null,
    );
    expect(tokenSocket.closedWith()).toBe(4404);
  });

  it("refuses a bad, used, expired or cross-origin ticket, and another team's sandbox is 404", async () => {
    const path = `/api/sandboxes/${sandboxId}/terminals/${terminalId}/socket`;
    expect(await refusedUpgrade(socketUrl(owner, `${path}?ticket=not-a-ticket`))).toEqual({ status: 401, code: "unauthenticated" });
    expect(await refusedUpgrade(socketUrl(owner, path))).toEqual({ status: 401, code: "unauthenticated" });

    const used = (await ticketFor(owner, terminalId)).body.url as string;
    const first = new WebSocket(socketUrl(owner, used));
    await new Promise((resolve, reject) => first.once("open", resolve).once("error", reject));
    first.close();
    expect(await refusedUpgrade(socketUrl(other, used))).toEqual({ status: 401, code: "unauthenticated" });

    const expired = (await ticketFor(owner, terminalId)).body.url as string;
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    await sql.query("UPDATE terminal_tickets SET expires_at = now() - interval '1 second'");
    await sql.end();
    expect(await refusedUpgrade(socketUrl(owner, expired))).toEqual({ status: 401, code: "unauthenticated" });

    const crossOrigin = (await ticketFor(owner, terminalId)).body.url as string;
    expect(await refusedUpgrade(socketUrl(owner, crossOrigin), { origin: "http://evil.example" })).toEqual({ status: 403, code: "cross_origin" });

    // A ticket is for its own terminal only.
    const another = await owner.post(`/api/sandboxes/${sandboxId}/terminals`, {});
    const forAnother = new URL((await ticketFor(owner, another.id)).body.url as string, owner.baseUrl);
    expect(await refusedUpgrade(socketUrl(owner, `${path}${forAnother.search}`))).toEqual({ status: 401, code: "unauthenticated" });
    expect((await owner.request("DELETE", `/api/sandboxes/${sandboxId}/terminals/${another.id}`)).status).toBe(204);
    expect((await ticketFor(owner, another.id)).status).toBe(409);

    expect((await ticketFor(stranger, terminalId)).status).toBe(404);
    expect((await ticketFor(owner, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("downloads the workspace archive whole through another instance than the owner, in several chunks", async () => {
    const reader = readStream(owner, terminalId);
    // Random bytes do not compress: a few MiB make an archive of several chunks (1 MiB each).
    await type(owner, terminalId, "head -c 3500000 /dev/urandom > big.bin && echo made-$(sha256sum big.bin | cut -c1-64)\n");
    const made = (await reader.until(/made-[0-9a-f]{64}/)).match(/made-([0-9a-f]{64})/)![1];
    reader.close();
    for (const api of [other, viewer]) {
      const archive = await fetch(`${api.baseUrl}/api/sandboxes/${sandboxId}/archive`, { headers: { authorization: `Bearer ${api.token}` } });
      expect(archive.status).toBe(200);
      expect(archive.headers.get("content-type")).toBe("application/gzip");
      const bytes = Buffer.from(await archive.arrayBuffer());
      expect(bytes.length).toBeGreaterThan(3_000_000);
      const extracted = execFileSync("tar", ["-xzOf", "-", "./big.bin"], { input: bytes, maxBuffer: 16 * 1024 * 1024 });
      expect(createHash("sha256").update(extracted).digest("hex")).toBe(made);
    }
  });

  it("ends when the sandbox stops, and is audited", async () => {
    const reader = readStream(owner, terminalId);
    const remote = readStream(other, terminalId);
    const socket = await openSocket(other, terminalId);
    await reader.until(/via-other-instance/);
    expect((await owner.request("POST", `/api/sandboxes/${sandboxId}/stop`)).status).toBe(202);
    await waitFor(async () => reader.ended() && remote.ended() && socket.ended(), Boolean, 30_000);
    const input = await type(owner, terminalId, "echo late\n");
    expect(input.status).toBe(409);
    expect(input.body.code).toBe("terminal_closed");
    expect((await owner.get(`/api/sandboxes/${sandboxId}/terminals`)).items).toEqual([]);
    const audit = await owner.get(`/api/teams/${teamId}/audit?limit=100`);
    const actions = audit.items
      .filter((entry: { targetId: string }) => entry.targetId === sandboxId)
      .map((entry: { action: string; detail: { reason?: string } }) => [entry.action, entry.detail?.reason ?? null]);
    expect(actions).toContainEqual(["terminal.open", null]);
    expect(actions).toContainEqual(["terminal.close", "sandbox_stopped"]);
    expect(JSON.stringify(audit)).not.toContain("via-other-instance");
  });

  it("a closed terminal stays closed; an unknown one is 404", async () => {
    const opened = await owner.post(`/api/sandboxes/${sandboxId}/terminals`, {});
    expect((await owner.request("DELETE", `/api/sandboxes/${sandboxId}/terminals/${opened.id}`)).status).toBe(204);
    expect((await type(owner, opened.id, "x")).status).toBe(409);
    expect((await owner.request("POST", `/api/sandboxes/${sandboxId}/terminals/00000000-0000-4000-8000-000000000000/input`, { data: "x" })).status).toBe(404);
    expect((await owner.request("POST", `/api/sandboxes/${sandboxId}/terminals/not-a-uuid/input`, { data: "x" })).status).toBe(404);
  });
});

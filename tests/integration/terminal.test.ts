import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFor, createTestDatabase, defaultTeamId, removeDir, startPortal, waitFor, type Api, type Portal, type TestDatabase } from "./harness";

// The Terminal: a shell in a real jail through the runtime's process API, reached only through the
// portal, on two portal instances sharing one database (the owner holds the runtime). The workspace
// archive, which only the owner can read, downloads through the other instance as well.

let database: TestDatabase;
const portals: Portal[] = [];
let owner: Api;
let other: Api;
let viewer: Api;
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
    until: (pattern, timeoutMs = 15_000) =>
      waitFor(
        async () => text,
        (value) => pattern.test(value),
        timeoutMs,
        20,
      ),
  };
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
    await reader.until(/via-other-instance/);
    expect((await owner.request("POST", `/api/sandboxes/${sandboxId}/stop`)).status).toBe(202);
    await waitFor(async () => reader.ended() && remote.ended(), Boolean, 30_000);
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

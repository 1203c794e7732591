import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allEvents, removeDir, waitForIdle, openPortal, type Api, type Portal, type PortalFixture, type TestDatabase } from "./harness";
import { createDemoSession, createMember, createTeam, expectProblem, portalEvents, sql, waitForEvent, waitForPermission } from "./session-api-helpers";

// Destroy, the session list (filters, keyset pages, search) and prompt content, against the real
// runtime and the demo agent.

let fixture: PortalFixture;
let db: TestDatabase;
let portal: Portal;
let api: Api;
let teamId: string;
let scratch: string;

beforeAll(async () => {
  fixture = await openPortal();
  ({ db, portal, api, teamId } = fixture);
  scratch = mkdtempSync(path.join(os.tmpdir(), "portal-sandbox-"));
});
afterAll(async () => {
  removeDir(scratch ?? "");
  await fixture?.close();
});

/** A sandbox's workspace on the host (the harness keeps sandboxes inside the portal's data dir). */
function workspaceOnHost(sandboxId: string) {
  const root = path.join(portal.dataDir, "sandboxes");
  expect(readdirSync(root)).toContain(sandboxId);
  return path.join(root, sandboxId, "workspace");
}

describe("destroy", () => {
  it("destroys on the runtime, keeps the history readable, and refuses every write afterwards with 409", async () => {
    const session = await createDemoSession(api, teamId);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "keep this history" });
    await waitForIdle(api, session.id);
    await api.post(`/api/sessions/${session.id}/prompt`, { text: "/tool" });
    const pending = await waitForPermission(api, session.id);
    const before = await allEvents(api, session.id);

    const destroyed = await api.request("DELETE", `/api/sessions/${session.id}`);
    expect(destroyed.status).toBe(204);
    expect(destroyed.body).toBeNull();

    const after = await api.get(`/api/sessions/${session.id}`);
    expect(after).toMatchObject({ status: "destroyed", pendingPermissions: [], lastStopReason: "cancelled" });
    // The SDK mirrors its own session/cancel (sent by destroySession) a moment after it returns.
    const events = await waitForEvent(api, session.id, (event) => event.sender === "client" && event.payload?.method === "session/cancel");
    expect(events.slice(0, before.length)).toEqual(before);
    expect(portalEvents(events, "permission_resolved")).toEqual([
      { type: "permission_resolved", permissionId: pending.id, reply: "cancelled", by: expect.any(String) },
    ]);
    expect(portalEvents(events, "status").at(-1)).toEqual({ type: "status", status: "destroyed" });
    // The SDK's destroySession cancelled the agent's work (above) and marked its record destroyed.
    const [row] = await sql<{ destroyed: boolean; destroyed_at: Date | null }>(
      db.url,
      "SELECT (runtime_record->>'destroyedAt') IS NOT NULL AS destroyed, destroyed_at FROM sessions WHERE id = $1",
      [session.id],
    );
    expect(row?.destroyed).toBe(true);
    expect(row?.destroyed_at).toBeInstanceOf(Date);

    const base = `/api/sessions/${session.id}`;
    for (const [method, url, body] of [
      ["POST", `${base}/prompt`, { text: "hello?" }],
      ["PATCH", base, { title: "New title" }],
      ["PATCH", base, { mode: "code" }],
      ["PUT", `${base}/config/model`, { value: "demo-large" }],
      ["POST", `${base}/cancel`, undefined],
      ["POST", `${base}/permissions/${pending.id}`, { reply: "once" }],
      ["POST", `${base}/resume`, undefined],
      ["DELETE", base, undefined],
    ] as const) {
      const problem = expectProblem(await api.request(method, url, body), 409);
      expect(problem.detail, `${method} ${url}`).toMatch(/destroyed|read-only/);
    }
    // Still readable.
    expect((await api.get(`${base}/events?limit=5`)).items).toHaveLength(5);
    expect((await api.get(`${base}/permissions`)).items).toEqual([]);
  });

  it("ends a running turn as cancelled", async () => {
    const session = await createDemoSession(api, teamId);
    const { turnId } = await api.post(`/api/sessions/${session.id}/prompt`, { text: "/sleep 60000" });
    await waitForEvent(api, session.id, (event) => event.payload?.method === "session/prompt");
    expect((await api.request("DELETE", `/api/sessions/${session.id}`)).status).toBe(204);
    const after = await api.get(`/api/sessions/${session.id}`);
    expect(after).toMatchObject({ status: "destroyed", lastStopReason: "cancelled" });
    expect(portalEvents(await allEvents(api, session.id), "turn_ended")).toEqual([{ type: "turn_ended", turnId, stopReason: "cancelled" }]);
  });
});

describe("list", () => {
  let listTeam: string;
  let member: Api & { userId: string };
  let admin: Api & { userId: string };
  const created: string[] = [];

  beforeAll(async () => {
    // A team of its own, so counts and pages are exact.
    listTeam = await createTeam(db.url, "List team");
    admin = await createMember(portal.baseUrl, db.url, { teamId: listTeam, role: "admin" });
    member = await createMember(portal.baseUrl, db.url, { teamId: listTeam, role: "member" });
    for (let i = 0; i < 5; i += 1) created.push((await createDemoSession(admin, listTeam, { title: `Admin session ${i}` })).id);
    created.push((await createDemoSession(member, listTeam, { title: "Quarterly planning" })).id);
    created.push((await createDemoSession(member, listTeam, { title: "Member chat" })).id);
  });

  it("pages newest first by keyset with no gap and no duplicate", async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await admin.get(`/api/sessions?teamId=${listTeam}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((item) => item.id)).toEqual([...created].reverse());
    const times = seen.map((item) => Date.parse(item.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(seen[0]).toMatchObject({ teamId: listTeam, agent: "demo", status: "idle", pendingPermissions: [] });
    expect(seen[0].configOptions).toBeUndefined();
  });

  it("filters by status, agent and creator", async () => {
    const destroyedId = created[0]!;
    await admin.request("DELETE", `/api/sessions/${destroyedId}`);
    const destroyed = await admin.get(`/api/sessions?teamId=${listTeam}&status=destroyed`);
    expect(destroyed.items.map((item: any) => item.id)).toEqual([destroyedId]);
    const idle = await admin.get(`/api/sessions?teamId=${listTeam}&status=idle`);
    expect(idle.items.map((item: any) => item.id).sort()).toEqual(created.slice(1).sort());
    expect((await admin.get(`/api/sessions?teamId=${listTeam}&agent=demo`)).items).toHaveLength(7);
    expect((await admin.get(`/api/sessions?teamId=${listTeam}&agent=claude`)).items).toEqual([]);
    const byMember = await admin.get(`/api/sessions?teamId=${listTeam}&createdBy=${member.userId}`);
    expect(byMember.items.map((item: any) => item.title)).toEqual(["Member chat", "Quarterly planning"]);
    const combined = await admin.get(`/api/sessions?teamId=${listTeam}&createdBy=${admin.userId}&status=idle&limit=2`);
    expect(combined.items).toHaveLength(2);
    expect(combined.nextCursor).toEqual(expect.any(String));
    const rest = await admin.get(`/api/sessions?teamId=${listTeam}&createdBy=${admin.userId}&status=idle&limit=2&cursor=${combined.nextCursor}`);
    expect(rest.items.map((item: any) => item.id)).toEqual([created[2], created[1]]);
    expect(rest.nextCursor).toBeNull();
  });

  it("lists only the caller's teams: without teamId every team of theirs, another team's id is a 404", async () => {
    const mine = await member.get("/api/sessions?limit=500");
    expect(mine.items.every((item: any) => item.teamId === listTeam)).toBe(true);
    expect(mine.items).toHaveLength(7);
    expectProblem(await member.request("GET", `/api/sessions?teamId=${teamId}`), 404);
  });

  it("q matches titles and the merged message text through the full-text index", async () => {
    const streamed = created[5]!; // "Quarterly planning", by the member
    await member.post(`/api/sessions/${streamed}/prompt`, { text: "/stream 5" });
    await waitForIdle(member, streamed);
    const shorter = created[6]!;
    await member.post(`/api/sessions/${shorter}/prompt`, { text: "/stream 3" });
    await waitForIdle(member, shorter);
    const echoed = created[4]!;
    await admin.post(`/api/sessions/${echoed}/prompt`, { text: "Find the Violet lighthouse keeper" });
    await waitForIdle(admin, echoed);

    const ids = async (q: string) => (await admin.get(`/api/sessions?teamId=${listTeam}&q=${encodeURIComponent(q)}`)).items.map((item: any) => item.id);
    expect(await ids("QUARTERLY")).toEqual([streamed]);
    expect(await ids("lighthouse violet")).toEqual([echoed]);
    expect(await ids("keeper")).toEqual([echoed]);
    // "1" and "5" were separate chunks of one agent message: only the merged text holds both.
    expect(await ids("1 5")).toEqual([streamed]);
    expect((await ids("1 3")).sort()).toEqual([streamed, shorter].sort());
    expect(await ids("unicorn")).toEqual([]);
    expect(await ids("100%_")).toEqual([]);
    const merged = await sql<{ role: string; text: string }>(db.url, "SELECT role, text FROM messages WHERE session_id = $1 ORDER BY index", [streamed]);
    expect(merged).toEqual([
      { role: "user", text: "/stream 5" },
      { role: "agent", text: "1 2 3 4 5 " },
    ]);
    // Combined with a filter and another team's caller.
    expect((await admin.get(`/api/sessions?teamId=${listTeam}&q=lighthouse&status=destroyed`)).items).toEqual([]);
    expect((await api.get(`/api/sessions?q=lighthouse`)).items).toEqual([]);
  });
});

describe("prompt content", () => {
  it("takes ACP content blocks: text and a resource_link to a file in the sandbox's workspace", async () => {
    const session = await createDemoSession(api, teamId);
    // The workspace on the host: the sandbox sees it as /workspace.
    writeFileSync(path.join(workspaceOnHost(session.sandboxId), "notes.txt"), "notes for the agent\n");
    const content = [
      { type: "text", text: "read my notes" },
      { type: "resource_link", uri: "file:///workspace/notes.txt", name: "notes.txt", mimeType: "text/plain" },
    ];
    const accepted = await api.request("POST", `/api/sessions/${session.id}/prompt`, { content });
    expect(accepted.status).toBe(202);
    expect((await waitForIdle(api, session.id)).lastStopReason).toBe("end_turn");
    const prompt = (await allEvents(api, session.id)).find((event) => event.payload?.method === "session/prompt");
    expect(prompt?.payload.params.prompt).toEqual(content);
  });

  it("refuses other block types and links that are not files in the sandbox with 422", async () => {
    const session = await createDemoSession(api, teamId);
    const url = `/api/sessions/${session.id}/prompt`;
    const image = expectProblem(await api.request("POST", url, { content: [{ type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" }] }), 422);
    expect(image.errors?.[0]).toEqual({ path: "content.0.type", message: "must be a block of type text or resource_link" });
    const resource = expectProblem(await api.request("POST", url, { content: [{ type: "resource", resource: { uri: "file:///x", text: "x" } }] }), 422);
    expect(resource.errors?.[0]?.path).toBe("content.0.type");
    const web = expectProblem(await api.request("POST", url, { content: [{ type: "resource_link", uri: "https://example.com/a.txt", name: "a" }] }), 422);
    expect(web.errors?.[0]?.path).toBe("content.0.uri");
    const directory = expectProblem(
      await api.request("POST", url, {
        content: [
          { type: "text", text: "x" },
          { type: "resource_link", uri: "file:///workspace", name: "dir" },
        ],
      }),
      422,
    );
    expect(directory.errors?.[0]?.path).toBe("content.1.uri");
    // Hostile links, existing on the host or not, all get one answer that says nothing about the host.
    writeFileSync(path.join(scratch, "real.txt"), "on the host");
    symlinkSync("/etc/hostname", path.join(workspaceOnHost(session.sandboxId), "escape"));
    const hostile = [
      `file://${portal.dataDir}/nextauth-secret`,
      "file:///etc/shadow",
      "file:///etc/hostname",
      `file:///proc/${portal.process.pid}/environ`,
      `file://${scratch}/real.txt`,
      `file://${scratch}/nope.txt`,
      "file:///workspace/../etc/passwd",
      "file:///workspace/%2e%2e/etc/passwd",
      "file:///workspace/escape",
      "file:///workspace/nope.txt",
      "file:///root",
    ];
    const answers = new Set<string>();
    for (const uri of hostile) {
      const problem = expectProblem(await api.request("POST", url, { content: [{ type: "resource_link", uri, name: "x" }] }), 422);
      answers.add(JSON.stringify({ detail: problem.detail, errors: problem.errors }));
    }
    expect([...answers]).toHaveLength(1);
    expectProblem(await api.request("POST", url, { content: [] }), 422);
    expectProblem(await api.request("POST", url, { text: "   " }), 422);
    expectProblem(await api.request("POST", url, { text: "a", content: [{ type: "text", text: "b" }] }), 422);
    expectProblem(await api.request("POST", url, { prompt: "hello" }), 422);
    expectProblem(await api.request("POST", url, { text: 42 }), 422);
    // Nothing ran.
    expect((await api.get(`/api/sessions/${session.id}`)).status).toBe("idle");
    expect((await allEvents(api, session.id)).some((event) => event.payload?.method === "session/prompt")).toBe(false);
  });

  it("answers 413 for prompt text over 256 KiB and for a body over 1 MiB", async () => {
    const session = await createDemoSession(api, teamId);
    const url = `/api/sessions/${session.id}/prompt`;
    expectProblem(await api.request("POST", url, { text: "x".repeat(256 * 1024 + 1) }), 413);
    expectProblem(
      await api.request("POST", url, {
        content: [
          { type: "text", text: "x".repeat(200 * 1024) },
          { type: "text", text: "y".repeat(100 * 1024) },
        ],
      }),
      413,
    );
    expectProblem(await api.request("POST", url, { text: "z".repeat(1024 * 1024 + 10) }), 413);
    // Exactly at the limit is fine.
    expect((await api.request("POST", url, { text: `/sleep 1 ${"x".repeat(256 * 1024 - 9)}` })).status).toBe(202);
    await waitForIdle(api, session.id);
  });
});

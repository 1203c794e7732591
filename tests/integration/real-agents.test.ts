import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { agentInstallStatus, installAgent } from "@/lib/agents/installer";
import { descendants } from "@/lib/process-utils";
import type { AgentId } from "@/lib/agents/catalog";
import { messageRequests, startScriptedAnthropic } from "../fixtures/scripted-models/anthropic";
import { conversationRequests, startScriptedOpenAI } from "../fixtures/scripted-models/openai";
import { answer, callTool, type ScriptedServer } from "../fixtures/scripted-models/script";
import { allEvents, killSessionRuntime, openPortal, waitFor, waitForIdle, type Api, type PortalFixture } from "./harness";
import { createMember, createTeam, portalEvents, sql } from "./session-api-helpers";

// Claude Code and Codex as a team runs them: installed once from npm (lib/agents), in the team's
// bubblewrap sandboxes under the default `models` network, reaching their models only through the
// portal's gateway, which calls scripted model servers on loopback with each team's own key. Through
// the portal's API: a streamed answer, a file written through a permission answered by a member, a
// command whose output shows no key, the call recorded, and after the sandbox's runtime is killed a
// prompt that brings the agent back with its own memory (session/load).

const AGENTS_DIR = process.env.PORTAL_AGENTS_DIR ?? "/var/cache/agent-portal/agents";
process.env.PORTAL_AGENTS_DIR = AGENTS_DIR;
const TEAM_A_KEY = "sk-ant-team-a-0123456789-secret";
const TEAM_B_KEY = "sk-openai-team-b-0123456789-secret";

let fixture: PortalFixture;
let api: Api;
let teamA: string;
let teamB: string;
let memberB: Api;
let anthropic: ScriptedServer;
let openai: ScriptedServer;

beforeAll(async () => {
  for (const id of ["claude", "codex"] as AgentId[]) if (agentInstallStatus(id, AGENTS_DIR).state !== "installed") await installAgent(id, { root: AGENTS_DIR });
  [anthropic, openai] = await Promise.all([startScriptedAnthropic(), startScriptedOpenAI()]);
  fixture = await openPortal({ env: { PORTAL_AGENTS_DIR: AGENTS_DIR, ANTHROPIC_API_KEY: "", OPENAI_API_KEY: "" } });
  ({ api, teamId: teamA } = fixture);
  teamB = await createTeam(fixture.db.url, "Team B");
  memberB = await createMember(api.baseUrl, fixture.db.url, { teamId: teamB, role: "admin" });
  await api.request("PUT", `/api/teams/${teamA}/credentials/anthropic`, { apiKey: TEAM_A_KEY, baseUrl: `${anthropic.url}/anthropic` });
  await memberB.request("PUT", `/api/teams/${teamB}/credentials/openai`, { apiKey: TEAM_B_KEY, baseUrl: `${openai.url}/openai/v1` });
}, 900_000);

afterAll(async () => {
  await fixture?.close();
  await Promise.all([anthropic?.close(), openai?.close()]);
});

type Event = { index: number; sender: string; payload: any };

function processName(pid: number) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return ""; // exited meanwhile
  }
}

function updates(events: Event[], kind: string) {
  return events.map((event) => event.payload?.params?.update).filter((update) => update?.sessionUpdate === kind);
}

function text(events: Event[]) {
  return updates(events, "agent_message_chunk")
    .map((update) => update.content?.text ?? "")
    .join("");
}

/** How many times the agent asked for a permission in a session. */
async function permissionRequests(sessionId: string) {
  return ((await allEvents(api, sessionId)) as Event[]).filter((event) => event.payload?.method === "session/request_permission").length;
}

/** Sends a prompt and waits for the turn to end and for `finalText` (late chunks may follow the turn's end). */
async function turn(client: Api, sessionId: string, prompt: string, finalText: string): Promise<Event[]> {
  const from = (await allEvents(client, sessionId)).length;
  expect((await client.request("POST", `/api/sessions/${sessionId}/prompt`, { text: prompt })).status).toBe(202);
  await waitForIdle(client, sessionId, 180_000);
  const events = await waitFor(
    async () => ((await allEvents(client, sessionId)) as Event[]).slice(from),
    (list) => text(list).includes(finalText),
    30_000,
  );
  return events;
}

describe("Claude Code in a team's sandbox", () => {
  let sessionId: string;

  it("answers through the gateway with the team's key, the call recorded", async () => {
    const agents = (await api.get(`/api/agents?teamId=${teamA}`)).items;
    expect(agents.find((agent: any) => agent.id === "claude")).toMatchObject({ installed: true, ready: true });
    const created = await api.request("POST", "/api/sessions", { teamId: teamA, agent: "claude", title: "Claude here" });
    expect(created.status).toBe(201);
    sessionId = created.body.id;

    anthropic.enqueue(answer("Hello from the scripted Claude model, in pieces."));
    const events = await turn(api, sessionId, "Say hello", "Hello from the scripted Claude model, in pieces.");
    expect(updates(events, "agent_message_chunk").length).toBeGreaterThan(1);
    const calls = messageRequests(anthropic);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of anthropic.requests) expect(call.key).toBe(TEAM_A_KEY);

    const me = (await api.get("/api/me")).user.id;
    const rows = await waitFor(
      () => sql(fixture.db.url, "SELECT * FROM model_calls WHERE session_id = $1", [sessionId]),
      (list) => list.length >= 1,
    );
    expect(rows[0]).toMatchObject({ team_id: teamA, user_id: me, provider: "anthropic", status: 200 });
    expect(Number(rows[0]!.input_tokens)).toBeGreaterThan(0);
  }, 300_000);

  it("writes a file through a permission a member answers, with its diff on the tool call", async () => {
    anthropic.enqueue(callTool("Write", { file_path: "/workspace/hello.txt", content: "hello from claude\n" }), answer("Wrote hello.txt."));
    expect((await api.request("POST", `/api/sessions/${sessionId}/prompt`, { text: "Create hello.txt" })).status).toBe(202);
    const [pending] = await waitFor(
      async () => (await api.get(`/api/sessions/${sessionId}/permissions`)).items,
      (items: any[]) => items.length === 1,
      120_000,
    );
    expect((await api.request("POST", `/api/sessions/${sessionId}/permissions/${pending.id}`, { reply: "once" })).status).toBe(200);
    await waitForIdle(api, sessionId, 180_000);
    const { sandboxId } = await api.get(`/api/sessions/${sessionId}`);
    const file = await api.request("GET", `/api/sandboxes/${sandboxId}/files/content?path=hello.txt`);
    expect(file.status).toBe(200);
    expect(JSON.stringify(file.body)).toContain("hello from claude");
    const events = (await allEvents(api, sessionId)) as Event[];
    const withDiff = [...updates(events, "tool_call"), ...updates(events, "tool_call_update")].find((update) =>
      (update.content ?? []).some((block: any) => block.type === "diff"),
    );
    expect(withDiff).toBeDefined();
  }, 300_000);

  it("runs a command whose output holds no key of any team or of the portal", async () => {
    anthropic.enqueue(
      callTool("Bash", { command: "env; cat /run/portal-gateway/gateway.env; ls -la /opt/agents", description: "Look around" }),
      answer("Looked around."),
    );
    expect((await api.request("POST", `/api/sessions/${sessionId}/prompt`, { text: "Look around" })).status).toBe(202);
    // Claude asks before a command it does not know: allowed once, whenever it asks.
    await waitFor(
      async () => {
        const [session, pending] = await Promise.all([api.get(`/api/sessions/${sessionId}`), api.get(`/api/sessions/${sessionId}/permissions`)]);
        for (const permission of pending.items) await api.request("POST", `/api/sessions/${sessionId}/permissions/${permission.id}`, { reply: "once" });
        return session.status;
      },
      (status) => status === "idle",
      180_000,
      500,
    );
    const output = JSON.stringify((await allEvents(api, sessionId)).slice(-60));
    expect(output).toContain("PORTAL_GATEWAY_TOKEN");
    for (const secret of [TEAM_A_KEY, TEAM_B_KEY]) {
      expect(output).not.toContain(secret);
      // What the model was sent back as the tool's result holds none either.
      expect(JSON.stringify(anthropic.requests.at(-1)?.body)).not.toContain(secret);
    }
  }, 300_000);

  it("comes back with its own memory after its sandbox's runtime is killed (session/load)", async () => {
    await killSessionRuntime(api, sessionId);
    await waitFor(
      () => api.get(`/api/sessions/${sessionId}`),
      (session) => session.status === "restorable",
      30_000,
    );
    const before = anthropic.requests.length;
    anthropic.enqueue(answer("You first asked me to say hello."));
    await turn(api, sessionId, "What did I ask first?", "You first asked me to say hello.");
    const restored = portalEvents(await allEvents(api, sessionId), "restored");
    expect(restored.at(-1)).toMatchObject({ type: "restored", method: "load" });
    // The model received the conversation from before the restart, from the agent itself (no replay seed).
    const asked = anthropic.requests.slice(before).filter((request) => request.scripted);
    expect(JSON.stringify(asked.at(-1)?.body)).toContain("Say hello");
    expect(JSON.stringify(asked.at(-1)?.body)).not.toContain("Conversation so far");
  }, 300_000);
  it("thinks, plans (TodoWrite) and takes a rejection; 'always' stops the asking for the rest of the session", async () => {
    anthropic.enqueue({ thinking: "The user wants a plan first.", text: "Thought it through." });
    expect(
      updates(await turn(api, sessionId, "Think first", "Thought it through."), "agent_thought_chunk")
        .map((update) => update.content?.text)
        .join(""),
    ).toContain("The user wants a plan first.");

    const todos = [
      { content: "Read the code", status: "completed", activeForm: "Reading the code" },
      { content: "Write the notes", status: "in_progress", activeForm: "Writing the notes" },
    ];
    anthropic.enqueue(callTool("TodoWrite", { todos }), answer("Planned."));
    const plan = updates(await turn(api, sessionId, "Plan it", "Planned."), "plan").at(-1);
    expect(plan?.entries.map((entry: any) => [entry.content, entry.status])).toEqual([
      ["Read the code", "completed"],
      ["Write the notes", "in_progress"],
    ]);

    const { sandboxId } = await api.get(`/api/sessions/${sessionId}`);
    const fileStatus = async (name: string) => (await api.request("GET", `/api/sandboxes/${sandboxId}/files/content?path=${name}`)).status;
    // Claude Code ends its turn on a rejection without asking the model again: no final text then.
    const write = async (name: string, reply: "once" | "always" | "reject" | null, finalText = "") => {
      anthropic.enqueue(callTool("Write", { file_path: `/workspace/${name}`, content: `${name}\n` }), ...(finalText ? [answer(finalText)] : []));
      const asked = await permissionRequests(sessionId);
      expect((await api.request("POST", `/api/sessions/${sessionId}/prompt`, { text: `Write ${name}` })).status).toBe(202);
      if (reply) {
        const [pending] = await waitFor(
          async () => (await api.get(`/api/sessions/${sessionId}/permissions`)).items,
          (items: any[]) => items.length === 1,
          120_000,
        );
        expect((await api.request("POST", `/api/sessions/${sessionId}/permissions/${pending.id}`, { reply })).status).toBe(200);
      }
      await waitForIdle(api, sessionId, 180_000);
      if (finalText)
        await waitFor(
          async () => text(((await allEvents(api, sessionId)) as Event[]).slice(-40)),
          (said) => said.includes(finalText),
          30_000,
        );
      return (await permissionRequests(sessionId)) - asked;
    };
    expect(await write("rejected.txt", "reject")).toBe(1);
    expect(await fileStatus("rejected.txt")).toBe(404);
    expect(anthropic.pending()).toBe(0);
    expect(await write("always-1.txt", "always", "Wrote the first.")).toBe(1);
    expect(await write("always-2.txt", null, "Wrote the second.")).toBe(0);
    expect([await fileStatus("always-1.txt"), await fileStatus("always-2.txt")]).toEqual([200, 200]);
  }, 600_000);

  it("frees a destroyed session's Claude Code process while the sandbox runs on; the session beside it reloads with its memory", async () => {
    const { sandboxId } = await api.get(`/api/sessions/${sessionId}`);
    // Claude Code processes (each names itself "claude") in the sandbox's jail, as the host sees them.
    const claudeProcesses = async () => {
      const jail = ((await api.get("/api/admin/runtime")).sandboxes as Array<{ sandboxId: string; pid?: number }>).find(
        (entry) => entry.sandboxId === sandboxId,
      );
      return jail?.pid ? descendants(jail.pid).filter(({ pid }) => processName(pid) === "claude").length : 0;
    };
    const beside = await api.request("POST", "/api/sessions", { teamId: teamA, agent: "claude", sandboxId, title: "Claude beside" });
    expect(beside.status).toBe(201);
    anthropic.enqueue(answer("Standing beside you."));
    await turn(api, beside.body.id, "Stand beside", "Standing beside you.");
    expect(await claudeProcesses()).toBe(2);
    // A terminal in the sandbox is the runtime's too, and is no agent: the release leaves it open.
    const terminal = await api.request("POST", `/api/sandboxes/${sandboxId}/terminals`, { cols: 80, rows: 24 });
    expect(terminal.status).toBe(201);

    expect((await api.request("DELETE", `/api/sessions/${beside.body.id}`)).status).toBe(204);
    await waitFor(claudeProcesses, (count) => count === 0, 30_000);
    expect((await api.get(`/api/sandboxes/${sandboxId}/terminals`)).items.map((item: { id: string }) => item.id)).toContain(terminal.body.id);
    expect((await api.request("POST", `/api/sandboxes/${sandboxId}/terminals/${terminal.body.id}/input`, { data: "echo still-here\n" })).status).toBe(204);
    await waitFor(
      () => api.get(`/api/sessions/${sessionId}`),
      (session) => session.status === "restorable",
      30_000,
    );
    const before = anthropic.requests.length;
    anthropic.enqueue(answer("You asked me to plan it."));
    await turn(api, sessionId, "What did I ask you to do?", "You asked me to plan it.");
    expect(portalEvents(await allEvents(api, sessionId), "restored").at(-1)).toMatchObject({ type: "restored", method: "load" });
    const asked = anthropic.requests.slice(before).filter((request) => request.scripted);
    expect(JSON.stringify(asked.at(-1)?.body)).toContain("Plan it");
    expect(await claudeProcesses()).toBe(1);
  }, 300_000);

  it("takes a mode set through the API, and a cancel ends the turn of a running command", async () => {
    const created = await api.request("POST", "/api/sessions", { teamId: teamA, agent: "claude", title: "Claude modes" });
    expect(created.status).toBe(201);
    const id = created.body.id;
    anthropic.enqueue(answer("Ready."));
    await turn(api, id, "Get ready", "Ready.");
    const { modes } = await api.get(`/api/sessions/${id}`);
    expect(modes?.availableModes?.map((mode: any) => mode.id) ?? []).toContain("acceptEdits");
    expect((await api.request("PATCH", `/api/sessions/${id}`, { mode: "acceptEdits" })).body.mode).toBe("acceptEdits");
    // In acceptEdits Claude writes without asking: the mode reached the agent.
    anthropic.enqueue(callTool("Write", { file_path: "/workspace/accepted.txt", content: "no question asked\n" }), answer("Wrote it without asking."));
    await turn(api, id, "Write accepted.txt", "Wrote it without asking.");
    expect(await permissionRequests(id)).toBe(0);

    anthropic.enqueue(callTool("Bash", { command: "sleep 120", description: "Wait a while" }), answer("Never said."));
    expect((await api.request("POST", `/api/sessions/${id}/prompt`, { text: "Wait" })).status).toBe(202);
    // Whatever it asks is allowed; the command (two minutes) is cancelled while it runs, and the turn ends long before.
    await waitFor(
      async () => {
        for (const permission of (await api.get(`/api/sessions/${id}/permissions`)).items)
          await api.request("POST", `/api/sessions/${id}/permissions/${permission.id}`, { reply: "once" });
        const events = await allEvents(api, id);
        return [...updates(events, "tool_call"), ...updates(events, "tool_call_update")];
      },
      // Claude reports the command when it starts it and again only when it ends.
      (calls) => calls.some((call) => /sleep 120/.test(JSON.stringify(call))),
      120_000,
      500,
    );
    expect((await api.request("POST", `/api/sessions/${id}/cancel`)).status).toBe(202);
    const done = await waitFor(
      () => api.get(`/api/sessions/${id}`),
      (session) => session.status === "idle",
      60_000,
    );
    expect(done.lastStopReason).toBe("cancelled");
    expect(text((await allEvents(api, id)) as Event[])).not.toContain("Never said.");
  }, 600_000);
});

describe("Codex in another team's sandbox", () => {
  let codexSession: string;

  it("answers with that team's own key, and the first team's key is never used for it", async () => {
    const created = await memberB.request("POST", "/api/sessions", { teamId: teamB, agent: "codex", title: "Codex here" });
    expect(created.status).toBe(201);
    openai.enqueue(answer("Hello from the scripted Codex model."));
    await turn(memberB, created.body.id, "Say hello", "Hello from the scripted Codex model.");
    expect(conversationRequests(openai).length).toBeGreaterThanOrEqual(1);
    for (const call of openai.requests) expect(call.key).toBe(TEAM_B_KEY);
    // Team A has no OpenAI key of its own and the instance none: Codex is not ready for it.
    const forA = (await api.get(`/api/agents?teamId=${teamA}`)).items.find((agent: any) => agent.id === "codex");
    expect(forA).toMatchObject({ ready: false, missing: expect.stringContaining("no OpenAI key") });
    codexSession = created.body.id;
  }, 300_000);

  it("comes back with its own memory after its sandbox's runtime is killed (session/load)", async () => {
    await killSessionRuntime(memberB, codexSession, api);
    await waitFor(
      () => memberB.get(`/api/sessions/${codexSession}`),
      (session) => session.status === "restorable",
      30_000,
    );
    const before = openai.requests.length;
    openai.enqueue(answer("You asked me to say hello."));
    await turn(memberB, codexSession, "What did I ask?", "You asked me to say hello.");
    expect(portalEvents((await allEvents(memberB, codexSession)) as Event[], "restored").at(-1)).toMatchObject({ type: "restored", method: "load" });
    const asked = openai.requests.slice(before).filter((request) => request.scripted);
    expect(JSON.stringify(asked.at(-1)?.body)).toContain("Say hello");
    expect(JSON.stringify(asked.at(-1)?.body)).not.toContain("Conversation so far");
  }, 300_000);
});

describe("Claude Code past its sandbox's memory limit", () => {
  let limited: PortalFixture;
  // A model server of its own: replies queued by the tests above and never asked for stay out of it.
  let anthropic: ScriptedServer;

  beforeAll(async () => {
    anthropic = await startScriptedAnthropic();
    // Claude Code's adapter and two of its sessions (~230 MB each) do not fit in 512 MiB.
    limited = await openPortal({ env: { PORTAL_AGENTS_DIR: AGENTS_DIR, ANTHROPIC_API_KEY: "", OPENAI_API_KEY: "", PORTAL_SANDBOX_MEMORY: "512m" } });
    await limited.api.request("PUT", `/api/teams/${limited.teamId}/credentials/anthropic`, { apiKey: TEAM_A_KEY, baseUrl: `${anthropic.url}/anthropic` });
  }, 300_000);

  afterAll(async () => {
    await limited?.close();
    await anthropic?.close();
  });

  it("answers every request while sessions fill the sandbox, names the limit, and the first session comes back", async () => {
    const { api: client, teamId } = limited;
    // A create in flight when its sandbox stopped at the limit used to wait for good.
    const within = <T>(work: Promise<T>) =>
      Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the portal did not answer within 60 s")), 60_000))]);
    const first = (await within(client.request("POST", "/api/sessions", { teamId, agent: "claude", title: "First" }))).body;
    anthropic.enqueue(answer("First one here."));
    await turn(client, first.id, "Hello", "First one here.");

    const limitHits = async () => portalEvents(await allEvents(client, first.id), "limit");
    const refused: any[] = [];
    for (let i = 0; i < 4 && (await limitHits()).length === 0; i++) {
      const created = await within(client.request("POST", "/api/sessions", { teamId, agent: "claude", sandboxId: first.sandboxId }));
      if (created.status !== 201) {
        refused.push(created.body);
        continue;
      }
      // Answered with the scripted server's default text; the turn may end at the limit instead.
      expect((await within(client.request("POST", `/api/sessions/${created.body.id}/prompt`, { text: "Hi" }))).status).toBe(202);
      await waitFor(
        () => client.get(`/api/sessions/${created.body.id}`),
        (session) => session.status === "idle" || session.status === "restorable",
        60_000,
      );
    }
    const [hit] = await waitFor(limitHits, (hits) => hits.length > 0, 60_000);
    expect(hit).toMatchObject({ type: "limit", limit: "memory", detail: "out of memory: 512 MiB" });
    console.log(`[limit] refused: ${JSON.stringify(refused)}`);
    for (const body of refused)
      expect(body).toMatchObject({ status: 503, code: "runtime_unavailable", detail: expect.stringContaining("out of memory: 512 MiB") });
    await waitFor(
      () => client.get(`/api/sessions/${first.id}`),
      (session) => session.status === "restorable",
      30_000,
    );
    anthropic.enqueue(answer("Back with you."));
    await turn(client, first.id, "Still there?", "Back with you.");
    expect(portalEvents(await allEvents(client, first.id), "restored").at(-1)).toMatchObject({ type: "restored", method: "load" });
  }, 600_000);
});

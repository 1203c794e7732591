import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AcpHttpClient } from "acp-http-client";
import { SandboxAgent, type Session, type SessionEvent } from "sandbox-agent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_CATALOG, type AgentId } from "@/lib/agents/catalog";
import { agentInstallStatus, installAgent, listAgentInstalls } from "@/lib/agents/installer";
import { writeRuntimeBin } from "@/lib/agents/runtime-bin";
import { startScriptedAnthropic } from "../fixtures/scripted-models/anthropic";
import { startScriptedOpenAI } from "../fixtures/scripted-models/openai";
import { answer, callTool, thinkThenAnswer, type ScriptedReply, type ScriptedServer } from "../fixtures/scripted-models/script";
import { AGENTS_IN_JAIL } from "@/lib/sandboxes/providers/bwrap";
import { startJailedRuntime, type JailedRuntime } from "./real-agent-jail";
import { ROOT } from "./harness";

// Claude Code, Codex and OpenCode as the portal installs them (real npm packages at the catalog's
// pins), started by the real runtime binary in the portal's own bubblewrap jail (its launcher, on the
// models network: ./real-agent-jail.ts) through the wrappers of lib/agents/runtime-bin.ts, talking to a scripted model server that stands where the model gateway
// will: a streamed answer, thoughts, a file written through a permission, a command, a plan, and
// every model call carrying the sandbox's gateway token from gateway.env as its key. Then the
// runtime restarts with the same home and each agent loads its own session (ACP session/load).
//
// The agents are installed once per machine into PORTAL_AGENTS_DIR (default
// /var/cache/agent-portal/agents) with npm's cache beside it, so a run reinstalls nothing; CI runs
// `npm run agents -- install claude codex opencode` first (with the same PORTAL_AGENTS_DIR).
// RECORD_AGENT_EVENTS=1 writes the observed ACP events to tests/fixtures/agent-events/<agent>.json.

const AGENTS_DIR = process.env.PORTAL_AGENTS_DIR ?? "/var/cache/agent-portal/agents";
process.env.PORTAL_AGENTS_DIR = AGENTS_DIR;
const RECORD = process.env.RECORD_AGENT_EVENTS === "1";
const FILE_TEXT = "hello from the agent\n";

interface TurnScript {
  name: string;
  prompt: string;
  replies: ScriptedReply[];
  /** Text the agent's last message of the turn must carry (the turn's events are complete when it has arrived). */
  finalText: string;
}

const ANSWER = "Hello from the scripted model, streamed in pieces.";

function turnsFor(agent: AgentId): TurnScript[] {
  const write = (reply: ScriptedReply): TurnScript => ({
    name: "write",
    prompt: "Create hello.txt",
    replies: [reply, answer("Wrote hello.txt.")],
    finalText: "Wrote hello.txt.",
  });
  const common = [
    { name: "answer", prompt: "Say hello", replies: [answer(ANSWER)], finalText: ANSWER },
    {
      name: "thoughts",
      prompt: "Think first",
      replies: [thinkThenAnswer("The user wants me to think before answering.", "Thought it through.")],
      finalText: "Thought it through.",
    },
  ];
  switch (agent) {
    case "claude":
      return [
        ...common,
        write(callTool("Write", { file_path: "/workspace/hello.txt", content: FILE_TEXT })),
        {
          name: "command",
          prompt: "Run echo",
          replies: [callTool("Bash", { command: "echo portal-$((6*7))", description: "Print a number" }), answer("The command printed it.")],
          finalText: "The command printed it.",
        },
        {
          name: "plan",
          prompt: "Plan it",
          replies: [
            callTool("TodoWrite", {
              todos: [
                { content: "Read the code", status: "in_progress", activeForm: "Reading the code" },
                { content: "Write the fix", status: "pending", activeForm: "Writing the fix" },
              ],
            }),
            answer("Planned."),
          ],
          finalText: "Planned.",
        },
      ];
    case "codex":
      return [
        ...common,
        write(callTool("apply_patch", `*** Begin Patch\n*** Add File: hello.txt\n+${FILE_TEXT.trimEnd()}\n*** End Patch\n`)),
        {
          name: "command",
          prompt: "Run echo",
          replies: [callTool("exec_command", { cmd: "echo portal-$((6*7))" }), answer("The command printed it.")],
          finalText: "The command printed it.",
        },
        {
          name: "plan",
          prompt: "Plan it",
          replies: [
            callTool("update_plan", {
              plan: [
                { step: "Read the code", status: "in_progress" },
                { step: "Write the fix", status: "pending" },
              ],
            }),
            answer("Planned."),
          ],
          finalText: "Planned.",
        },
      ];
    case "opencode":
      return [
        ...common,
        // With a gpt-5 model OpenCode offers apply_patch instead of write/edit.
        write(callTool("apply_patch", { patchText: `*** Begin Patch\n*** Add File: hello.txt\n+${FILE_TEXT.trimEnd()}\n*** End Patch` })),
        {
          name: "command",
          prompt: "Run echo",
          replies: [callTool("bash", { command: "echo portal-$((6*7))", description: "Print a number" }), answer("The command printed it.")],
          finalText: "The command printed it.",
        },
        {
          name: "plan",
          prompt: "Plan it",
          replies: [
            callTool("todowrite", {
              todos: [
                { id: "1", content: "Read the code", status: "in_progress", priority: "high" },
                { id: "2", content: "Write the fix", status: "pending", priority: "medium" },
              ],
            }),
            answer("Planned."),
          ],
          finalText: "Planned.",
        },
      ];
  }
}

type Payload = Record<string, unknown> & { method?: string; params?: { update?: Record<string, unknown> } };

function updateOf(event: SessionEvent): Record<string, unknown> | null {
  const payload = event.payload as Payload;
  return payload.method === "session/update" ? (payload.params?.update ?? null) : null;
}

function messageText(events: SessionEvent[]) {
  return events
    .map(updateOf)
    .filter((update) => update?.sessionUpdate === "agent_message_chunk")
    .map((update) => String((update!.content as { text?: string }).text ?? ""))
    .join("");
}

/** Long lists (available commands) and strings shortened, so the fixture shows shapes, not bulk. */
function shape(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.length > 300 ? `${value.slice(0, 300)}…(${value.length} chars)` : value;
  if (Array.isArray(value))
    return value.length > 4 && depth > 2
      ? [...value.slice(0, 3).map((item) => shape(item, depth + 1)), `…(${value.length} items)`]
      : value.map((item) => shape(item, depth + 1));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shape(item, depth + 1)]));
  return value;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(process.getuid?.() !== 0)("real agents from npm in a bubblewrap jail, through the runtime's bin wrappers", () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "portal-agent-installs-"));
  const binDir = path.join(scratch, "bin");
  const token = `gw_${randomBytes(18).toString("hex")}`;

  beforeAll(async () => {
    chmodSync(scratch, 0o755);
    for (const agent of AGENT_CATALOG) {
      const outcome = await installAgent(agent.id, { root: AGENTS_DIR });
      expect(outcome.state, `${agent.id}: ${outcome.error ?? ""}`).toBe("installed");
    }
    const written = writeRuntimeBin({
      binDir,
      agentsDirInJail: AGENTS_IN_JAIL,
      agentsDirOnHost: AGENTS_DIR,
      demoAgentCommand: [process.execPath, "/opt/portal/demo-agent.mjs"],
    });
    expect(written.agents.sort()).toEqual(["claude", "codex", "opencode"]);
  }, 900_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("reports every pinned agent installed, with its size", () => {
    for (const status of listAgentInstalls(AGENTS_DIR)) {
      expect(status).toMatchObject({ state: "installed", version: AGENT_CATALOG.find((agent) => agent.id === status.id)!.packages[0]!.version });
      expect(status.sizeBytes).toBeGreaterThan(50_000_000);
    }
  });

  it("writes both runtime slots per agent, executable and not writable by sandboxes, and refuses a symlinked bin dir", () => {
    for (const file of [
      "agent_processes/mock-acp",
      "agent_processes/claude-acp",
      "agent_processes/codex-acp",
      "agent_processes/opencode-acp",
      "claude",
      "codex",
      "opencode",
    ]) {
      const stat = lstatSync(path.join(binDir, file));
      expect(stat.isFile(), file).toBe(true);
      expect(stat.mode & 0o777, file).toBe(0o755);
    }
    const wrapper = readFileSync(path.join(binDir, "agent_processes", "claude-acp"), "utf8");
    expect(wrapper).toContain(`${AGENTS_IN_JAIL}/claude/node_modules/@zed-industries/claude-code-acp/dist/index.js`);
    expect(wrapper).not.toContain(token);
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), "portal-agent-target-"));
    const planted = path.join(scratch, "planted");
    symlinkSync(elsewhere, planted);
    expect(() => writeRuntimeBin({ binDir: planted, agentsDirInJail: AGENTS_IN_JAIL, agentsDirOnHost: AGENTS_DIR, demoAgentCommand: ["/bin/true"] })).toThrow(
      /not a directory/,
    );
    expect(existsSync(path.join(elsewhere, "agent_processes"))).toBe(false);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it("an install of an installed agent is a no-op that leaves it installed", async () => {
    const before = agentInstallStatus("codex", AGENTS_DIR);
    const outcome = await installAgent("codex", { root: AGENTS_DIR });
    expect(outcome).toMatchObject({ state: "installed", installedAt: before.installedAt });
  });

  // AGENT_INSTALLS_ONLY=codex runs one agent's part (when working on its wrapper).
  const only = process.env.AGENT_INSTALLS_ONLY?.split(",");
  for (const agent of (["claude", "codex", "opencode"] as const).filter((id) => !only || only.includes(id))) {
    describe(agent, () => {
      let server: ScriptedServer;
      let runtime: JailedRuntime;
      let sdk: SandboxAgent;
      let session: Session;
      const events: SessionEvent[] = [];
      const permissions: unknown[] = [];
      const recorded: Record<string, unknown> = { agent, package: AGENT_CATALOG.find((entry) => entry.id === agent)!.packages[0], turns: {} };

      beforeAll(async () => {
        server = agent === "claude" ? await startScriptedAnthropic("Side answer.") : await startScriptedOpenAI("Side answer.");
        runtime = await startJailedRuntime({ modelServer: server.url, token });
        sdk = await SandboxAgent.connect({ baseUrl: runtime.url, fetch: runtime.fetch });
        session = await sdk.createSession({ agent, cwd: "/workspace" });
        // What session/new offered, as the SDK keeps it: the UI's modes, models and config options.
        recorded.sessionNew = { modes: await session.getModes(), configOptions: await session.getConfigOptions() };
        session.onEvent((event) => events.push(event));
        session.onPermissionRequest((request) => {
          permissions.push(request.rawRequest);
          void session.respondPermission(request.id, "once");
        });
      }, 120_000);

      afterAll(async () => {
        if (RECORD) {
          const dir = path.join(ROOT, "tests", "fixtures", "agent-events");
          mkdirSync(dir, { recursive: true });
          writeFileSync(path.join(dir, `${agent}.json`), `${JSON.stringify(shape(recorded), null, 2)}\n`);
        }
        await sdk?.dispose().catch(() => undefined);
        await runtime?.destroy();
        await server?.close();
      });

      it("streams answers, thinks, writes through a permission, runs a command and plans, every model call keyed with the gateway token", async () => {
        for (const turn of turnsFor(agent)) {
          const from = events.length;
          server.enqueue(...turn.replies);
          const result = await session.prompt([{ type: "text", text: turn.prompt }]);
          expect(result.stopReason, turn.name).toBe("end_turn");
          // The last chunks of a turn may arrive after the prompt's result.
          await waitFor(
            () => messageText(events.slice(from)).includes(turn.finalText),
            `${agent} ${turn.name}: "${turn.finalText}" (got "${messageText(events.slice(from))}")`,
          );
          // Codex may report the command's output after the turn's last text.
          if (turn.name === "command")
            await waitFor(() => JSON.stringify(events.slice(from).map((event) => event.payload)).includes("portal-42"), `${agent} command: its output`);
          expect(server.pending(), `${agent} ${turn.name}: replies left unused`).toBe(0);
          (recorded.turns as Record<string, unknown[]>)[turn.name] = events.slice(from).map((event) => event.payload);
        }
        const turns = recorded.turns as Record<string, unknown[]>;
        const updates = (name: string) =>
          (turns[name] ?? []).map((payload) => (payload as Payload).params?.update).filter(Boolean) as Array<Record<string, unknown>>;

        // Streamed: the answer came in several chunks.
        expect(
          updates("answer").filter((update) => update.sessionUpdate === "agent_message_chunk" && (update.content as { text: string }).text).length,
        ).toBeGreaterThan(1);
        // The file, through a permission the client answered, is in the sandbox's workspace.
        expect(permissions.length).toBeGreaterThanOrEqual(1);
        expect(readFileSync(path.join(runtime.workspace, "hello.txt"), "utf8").trimEnd()).toBe(FILE_TEXT.trimEnd());
        expect(updates("write").some((update) => update.sessionUpdate === "tool_call")).toBe(true);
        // The command ran and its output reached the client.
        expect(JSON.stringify(turns.command)).toContain("portal-42");

        // Every model call carried the sandbox's gateway token, and only that, to the gateway's paths.
        const calls = server.requests.filter((request) => request.method === "POST");
        expect(calls.length).toBeGreaterThanOrEqual(turnsFor(agent).length);
        for (const call of calls) {
          expect(call.key, call.path).toBe(token);
          expect(call.path.startsWith(agent === "claude" ? "/anthropic/v1/" : "/openai/v1/"), call.path).toBe(true);
        }
        recorded.permissions = permissions;
        recorded.modelRequests = server.requests.map((request) => ({
          method: request.method,
          path: request.path,
          scripted: request.scripted,
          tools: Array.isArray((request.body as { tools?: unknown[] }).tools)
            ? (request.body as { tools: Array<{ name?: string; type?: string; function?: { name?: string } }> }).tools.map(
                (tool) => tool.name ?? tool.function?.name ?? tool.type,
              )
            : [],
        }));
      }, 300_000);

      {
        it("loads its own session after the runtime restarts with the same home (ACP session/load)", async () => {
          const agentSessionId = session.agentSessionId;
          await sdk.dispose().catch(() => undefined);
          await runtime.restart();
          const replayed: unknown[] = [];
          // SDK 0.4.2 has no loadSession; its ACP client (acp-http-client) has, on the runtime's ACP endpoint.
          const acp = new AcpHttpClient({
            baseUrl: runtime.url,
            fetch: runtime.fetch,
            transport: { path: `/v1/acp/${randomUUID()}`, bootstrapQuery: { agent } },
            client: {
              sessionUpdate: async (notification) => void replayed.push(notification),
              requestPermission: async () => ({ outcome: { outcome: "cancelled" } }),
            },
          });
          try {
            const init = await acp.initialize({
              protocolVersion: 1,
              clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
            });
            expect(init.agentCapabilities?.loadSession).toBe(true);
            await acp.loadSession({ sessionId: agentSessionId, cwd: "/workspace", mcpServers: [] });
            const loadedCount = replayed.length;
            const before = server.requests.length;
            server.enqueue(answer("I remember what you asked."));
            const result = await acp.prompt({ sessionId: agentSessionId, prompt: [{ type: "text", text: "What did I ask first?" }] });
            expect(result.stopReason).toBe("end_turn");
            // The model's request after the load carries the conversation from before the restart.
            const after = server.requests.slice(before).filter((request) => request.scripted);
            expect(after.length).toBeGreaterThanOrEqual(1);
            expect(JSON.stringify(after.at(-1)!.body)).toContain("Say hello");
            // Claude's replay of its history goes on streaming after session/load has answered.
            recorded.sessionLoad = {
              loadSession: true,
              updatesBeforeLoadAnswered: loadedCount,
              updatesAfterNextPrompt: replayed.length,
              replaySample: replayed.slice(0, 8),
            };
          } finally {
            await acp.disconnect().catch(() => undefined);
          }
        }, 180_000);
      }
    });
  }
});

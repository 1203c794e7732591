import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

// Speaks ACP (newline-delimited JSON-RPC) to the bundled demo agent over stdio,
// exactly as the sandbox-agent runtime does.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface RpcMessage {
  jsonrpc: "2.0";
  id?: string | number | null;
  method?: string;
  params?: any;
  result?: any;
  error?: { code: number; message: string };
}

interface Update {
  sessionUpdate: string;
  [key: string]: any;
}

let agentPath = "";

beforeAll(async () => {
  // Imported by URL so type-checking does not depend on allowJs for a .mjs script.
  const buildScript = pathToFileURL(path.join(repoRoot, "scripts/build-demo-agent.mjs")).href;
  const { buildDemoAgent } = (await import(buildScript)) as { buildDemoAgent: () => Promise<string> };
  agentPath = await buildDemoAgent();
});

class AgentProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly received: RpcMessage[] = [];
  stderr = "";
  private nextId = 1;
  private waiters: Array<() => void> = [];

  constructor(options: { uid?: number; gid?: number; agentFile?: string } = {}) {
    const { agentFile = agentPath, ...ids } = options;
    this.child = spawn(process.execPath, [agentFile], { stdio: "pipe", ...ids });
    this.child.stderr.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      this.received.push(JSON.parse(line) as RpcMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: object): void {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
  }

  sendRaw(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Resolves with the first received message matching `predicate` (searching from `from`). */
  async waitFor(predicate: (message: RpcMessage) => boolean, timeoutMs = 5000, from = 0): Promise<RpcMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(predicate);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out; received ${this.received.length} messages`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send a request and resolve with its response; `mark` is where this request's messages start. */
  request(method: string, params: object, timeoutMs = 5000): { mark: number; response: Promise<RpcMessage> } {
    const id = this.nextId++;
    const mark = this.received.length;
    this.send({ id, method, params });
    const response = this.waitFor((m) => m.id === id && m.method === undefined, timeoutMs, mark);
    return { mark, response };
  }

  async call(method: string, params: object): Promise<any> {
    const response = await this.request(method, params).response;
    if (response.error) throw new Error(`${method} failed: ${response.error.message}`);
    return response.result;
  }

  async newSession(cwd = "/tmp"): Promise<string> {
    await this.call("initialize", { protocolVersion: 1, clientCapabilities: {} });
    const result = await this.call("session/new", { cwd, mcpServers: [] });
    return result.sessionId as string;
  }

  /** Run one prompt; returns the stop reason and the session updates it produced. */
  async prompt(sessionId: string, prompt: unknown[] | string, timeoutMs = 5000) {
    const blocks = typeof prompt === "string" ? [{ type: "text", text: prompt }] : prompt;
    const { mark, response } = this.request("session/prompt", { sessionId, prompt: blocks }, timeoutMs);
    const reply = await response;
    const end = this.received.indexOf(reply);
    return {
      reply,
      stopReason: reply.result?.stopReason as string | undefined,
      updates: this.updatesBetween(sessionId, mark, end),
    };
  }

  updatesBetween(sessionId: string, from: number, to = this.received.length): Update[] {
    return this.received
      .slice(from, to)
      .filter((m) => m.method === "session/update" && m.params.sessionId === sessionId)
      .map((m) => m.params.update as Update);
  }

  kill(): void {
    this.child.kill();
  }
}

function messageText(updates: Update[]): string {
  return updates
    .filter((u) => u.sessionUpdate === "agent_message_chunk")
    .map((u) => u.content.text as string)
    .join("");
}

function kinds(updates: Update[]): string[] {
  return updates.map((u) => u.sessionUpdate);
}

let agents: AgentProcess[] = [];
function startAgent(options?: ConstructorParameters<typeof AgentProcess>[0]): AgentProcess {
  const agent = new AgentProcess(options);
  agents.push(agent);
  return agent;
}

afterEach(() => {
  for (const agent of agents) agent.kill();
  agents = [];
});

describe("demo agent: setup", () => {
  it("answers initialize with its capabilities and identity", async () => {
    const agent = startAgent();
    const result = await agent.call("initialize", { protocolVersion: 1, clientCapabilities: {} });
    expect(result).toEqual({
      protocolVersion: 1,
      agentCapabilities: {
        loadSession: false,
        promptCapabilities: { image: false, audio: false, embeddedContext: true },
      },
      authMethods: [],
      agentInfo: { name: "demo", title: "Demo agent", version: "1.0.0" },
    });
  });

  it("creates sessions with modes and select config options", async () => {
    const agent = startAgent();
    await agent.call("initialize", { protocolVersion: 1 });
    const result = await agent.call("session/new", { cwd: "/tmp", mcpServers: [] });
    expect(result.sessionId).toMatch(/^demo-/);
    expect(result.modes.currentModeId).toBe("ask");
    expect(result.modes.availableModes.map((m: any) => [m.id, m.name])).toEqual([
      ["ask", "Ask"],
      ["code", "Code"],
    ]);
    const summary = result.configOptions.map((o: any) => ({
      id: o.id,
      category: o.category,
      type: o.type,
      currentValue: o.currentValue,
      values: o.options.map((v: any) => v.value),
    }));
    expect(summary).toEqual([
      { id: "mode", category: "mode", type: "select", currentValue: "ask", values: ["ask", "code"] },
      { id: "model", category: "model", type: "select", currentValue: "demo-small", values: ["demo-small", "demo-large"] },
      { id: "thought_level", category: "thought_level", type: "select", currentValue: "medium", values: ["low", "medium", "high"] },
    ]);
    for (const option of result.configOptions) {
      expect(typeof option.name).toBe("string");
      for (const value of option.options) expect(typeof value.name).toBe("string");
    }
  });

  it("rejects unknown methods, unknown sessions, and ignores malformed lines", async () => {
    const agent = startAgent();
    agent.sendRaw("this is not json");
    agent.sendRaw('{"jsonrpc":"2.0","id":');
    const unknown = await agent.request("session/teleport", {}).response;
    expect(unknown.error?.code).toBe(-32601);
    const badSession = await agent.request("session/prompt", { sessionId: "nope", prompt: [] }).response;
    expect(badSession.error?.code).toBe(-32602);
    expect(badSession.error?.message).toContain("nope");
    expect(agent.stderr).toContain("malformed");
    // Still healthy afterwards.
    expect((await agent.call("initialize", { protocolVersion: 1 })).protocolVersion).toBe(1);
  });
});

describe("demo agent: behaviours", () => {
  it("echoes plain text as a thought, word-sized message chunks, then usage", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const text = "hello there, demo agent";
    const { stopReason, updates } = await agent.prompt(sessionId, text);
    expect(stopReason).toBe("end_turn");
    expect(kinds(updates)).toEqual([
      "agent_thought_chunk",
      "agent_message_chunk",
      "agent_message_chunk",
      "agent_message_chunk",
      "agent_message_chunk",
      "usage_update",
    ]);
    expect(updates[0]?.content).toEqual({
      type: "text",
      text: expect.stringContaining("ask mode with demo-small"),
    });
    expect(messageText(updates)).toBe(text);
    const usage = updates[5] as Update;
    expect(usage.used).toBe(8);
    expect(usage.size).toBe(8192);
    expect(usage.cost).toEqual({ amount: expect.any(Number), currency: "USD" });
  });

  it("/stream N RATE emits numbered chunks in order, paced by the rate", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const started = Date.now();
    const { stopReason, updates } = await agent.prompt(sessionId, "/stream 40 400");
    const elapsed = Date.now() - started;
    expect(stopReason).toBe("end_turn");
    const texts = updates.map((u) => u.content?.text);
    expect(texts).toEqual(Array.from({ length: 40 }, (_, i) => `${i + 1} `));
    // 39 intervals at 400/s = 97.5 ms; generous upper bound for slow CI.
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(2000);
  });

  it("/stream refuses more than 1,000,000 chunks", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const { stopReason, updates } = await agent.prompt(sessionId, "/stream 1000001");
    expect(stopReason).toBe("end_turn");
    expect(updates).toHaveLength(1);
    expect(messageText(updates)).toContain("maximum is 1,000,000");
  });

  it("/burst N writes all chunks in order as fast as possible", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const started = Date.now();
    const { stopReason, updates } = await agent.prompt(sessionId, "/burst 5000");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(stopReason).toBe("end_turn");
    expect(updates).toHaveLength(5000);
    updates.forEach((update, index) => {
      expect(update.sessionUpdate).toBe("agent_message_chunk");
      expect(update.content.text).toBe(`${index + 1} `);
    });
  });

  it("/markdown sends headings, a table, a code fence, a link and raw HTML", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const { stopReason, updates } = await agent.prompt(sessionId, "/markdown");
    expect(stopReason).toBe("end_turn");
    expect(updates.length).toBeGreaterThan(1);
    const text = messageText(updates);
    expect(text).toMatch(/^# /m);
    expect(text).toMatch(/^## /m);
    expect(text).toMatch(/^\| --- \| --- \|$/m);
    expect(text).toContain("```ts\n");
    expect(text).toMatch(/\[[^\]]+\]\(https:\/\/[^)]+\)/);
    expect(text).toContain("<img src=x onerror=alert(1)>");
  });

  it("unknown commands list the available commands", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const { stopReason, updates } = await agent.prompt(sessionId, "/frobnicate now");
    expect(stopReason).toBe("end_turn");
    const text = messageText(updates);
    expect(text).toContain("Unknown command /frobnicate");
    for (const command of ["/stream", "/burst", "/tool", "/sleep", "/hang", "/markdown", "/recall"]) {
      expect(text).toContain(command);
    }
  });

  it("picks the command from the last text block, using its last /command line", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const { updates } = await agent.prompt(sessionId, [
      { type: "text", text: "/burst 3" },
      { type: "text", text: "some preamble\n/markdown\nthen\n/stream 2 1000" },
    ]);
    expect(updates.map((u) => u.content.text)).toEqual(["1 ", "2 "]);
  });

  it("/sleep waits, and session/cancel ends it promptly with stopReason cancelled", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const short = Date.now();
    expect((await agent.prompt(sessionId, "/sleep 60")).stopReason).toBe("end_turn");
    expect(Date.now() - short).toBeGreaterThanOrEqual(55);

    const started = Date.now();
    const { response } = agent.request("session/prompt", {
      sessionId,
      prompt: [{ type: "text", text: "/sleep 20000" }],
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    agent.send({ method: "session/cancel", params: { sessionId } });
    const reply = await response;
    expect(reply.result).toEqual({ stopReason: "cancelled" });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("session/cancel stops a long /stream early", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const { mark, response } = agent.request("session/prompt", {
      sessionId,
      prompt: [{ type: "text", text: "/stream 1000000 2000" }],
    });
    await agent.waitFor((m) => m.params?.update?.content?.text === "50 ", 5000, mark);
    agent.send({ method: "session/cancel", params: { sessionId } });
    const reply = await response;
    expect(reply.result).toEqual({ stopReason: "cancelled" });
    const sent = agent.updatesBetween(sessionId, mark).length;
    expect(sent).toBeGreaterThanOrEqual(50);
    expect(sent).toBeLessThan(5000);
  });
});

describe("demo agent: /tool and permissions", () => {
  async function startTool(agent: AgentProcess, sessionId: string) {
    const { mark, response } = agent.request("session/prompt", {
      sessionId,
      prompt: [{ type: "text", text: "/tool" }],
    });
    return { mark, response };
  }

  it("sends a plan and tool call, asks permission, completes on allow_once and asks again next time", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const first = await startTool(agent, sessionId);
    const ask = await agent.waitFor((m) => m.method === "session/request_permission", 5000, first.mark);
    expect(ask.id).toBeDefined();
    expect(ask.params.sessionId).toBe(sessionId);
    expect(ask.params.toolCall).toMatchObject({ toolCallId: expect.any(String), title: expect.any(String), kind: "edit" });
    expect(ask.params.options).toEqual([
      { optionId: "allow-once", name: "Allow once", kind: "allow_once" },
      { optionId: "allow-always", name: "Always allow", kind: "allow_always" },
      { optionId: "reject-once", name: "Reject", kind: "reject_once" },
    ]);
    const before = agent.updatesBetween(sessionId, first.mark);
    expect(kinds(before)).toEqual(["plan", "tool_call"]);
    expect(before[0]?.entries.map((e: any) => Object.keys(e).sort())).toEqual([
      ["content", "priority", "status"],
      ["content", "priority", "status"],
      ["content", "priority", "status"],
    ]);
    expect(before[1]).toMatchObject({
      toolCallId: ask.params.toolCall.toolCallId,
      kind: "edit",
      status: "pending",
      rawInput: expect.any(Object),
    });

    agent.send({ id: ask.id, result: { outcome: { outcome: "selected", optionId: "allow-once" } } });
    const reply = await first.response;
    expect(reply.result).toEqual({ stopReason: "end_turn" });
    const after = agent.updatesBetween(sessionId, first.mark);
    const update = after.find((u) => u.sessionUpdate === "tool_call_update");
    expect(update).toMatchObject({ toolCallId: ask.params.toolCall.toolCallId, status: "completed" });
    expect(update?.content[0].content.text).toContain("demo.txt");

    // allow_once is not remembered.
    const second = await startTool(agent, sessionId);
    const askAgain = await agent.waitFor((m) => m.method === "session/request_permission", 5000, second.mark);
    expect(askAgain.id).not.toBe(ask.id);
    agent.send({ id: askAgain.id, result: { outcome: { outcome: "selected", optionId: "reject-once" } } });
    expect((await second.response).result).toEqual({ stopReason: "end_turn" });
  });

  it("remembers allow_always per session and fails the tool on reject_once", async () => {
    const agent = startAgent();
    const sessionA = await agent.newSession();
    const sessionB = (await agent.call("session/new", { cwd: "/tmp", mcpServers: [] })).sessionId as string;

    const first = await startTool(agent, sessionA);
    const ask = await agent.waitFor((m) => m.method === "session/request_permission", 5000, first.mark);
    agent.send({ id: ask.id, result: { outcome: { outcome: "selected", optionId: "allow-always" } } });
    expect((await first.response).result).toEqual({ stopReason: "end_turn" });

    // Same session: no question, straight to completed.
    const again = await agent.prompt(sessionA, "/tool");
    expect(again.stopReason).toBe("end_turn");
    expect(agent.received.slice(agent.received.indexOf(ask) + 1).some((m) => m.method === "session/request_permission")).toBe(false);
    expect(again.updates.find((u) => u.sessionUpdate === "tool_call_update")?.status).toBe("completed");

    // Other session is independent: it asks, and rejection fails the tool call.
    const other = await startTool(agent, sessionB);
    const askB = await agent.waitFor((m) => m.method === "session/request_permission", 5000, other.mark);
    expect(askB.params.sessionId).toBe(sessionB);
    agent.send({ id: askB.id, result: { outcome: { outcome: "selected", optionId: "reject-once" } } });
    expect((await other.response).result).toEqual({ stopReason: "end_turn" });
    const update = agent.updatesBetween(sessionB, other.mark).find((u) => u.sessionUpdate === "tool_call_update");
    expect(update?.status).toBe("failed");
  });

  it("/tool KIND PATH asks for a tool call of that kind on that path, titled as agents title them; a bad kind gets the usage", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    for (const [kind, title] of [
      ["read", "Read src/a.ts"],
      ["delete", "Delete src/a.ts"],
      ["execute", "Run src/a.ts"],
    ] as const) {
      const { mark, response } = agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: `/tool ${kind} src/a.ts` }] });
      const ask = await agent.waitFor((m) => m.method === "session/request_permission", 5000, mark);
      expect(ask.params.toolCall).toMatchObject({ kind, title, rawInput: { path: "src/a.ts" } });
      agent.send({ id: ask.id, result: { outcome: { outcome: "selected", optionId: "allow-once" } } });
      expect((await response).result).toEqual({ stopReason: "end_turn" });
      expect(agent.updatesBetween(sessionId, mark).find((u) => u.sessionUpdate === "tool_call_update")?.status).toBe("completed");
    }
    const bad = await agent.prompt(sessionId, "/tool browse x");
    expect(messageText(bad.updates)).toContain("Usage: /tool [KIND] [PATH]");
  });

  it("treats a cancelled permission outcome as failure, and session/cancel resolves a pending permission", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();

    const first = await startTool(agent, sessionId);
    const ask = await agent.waitFor((m) => m.method === "session/request_permission", 5000, first.mark);
    agent.send({ id: ask.id, result: { outcome: { outcome: "cancelled" } } });
    expect((await first.response).result).toEqual({ stopReason: "end_turn" });
    expect(agent.updatesBetween(sessionId, first.mark).find((u) => u.sessionUpdate === "tool_call_update")?.status).toBe("failed");

    const second = await startTool(agent, sessionId);
    const ask2 = await agent.waitFor((m) => m.method === "session/request_permission", 5000, second.mark);
    agent.send({ method: "session/cancel", params: { sessionId } });
    expect((await second.response).result).toEqual({ stopReason: "cancelled" });
    expect(agent.updatesBetween(sessionId, second.mark).find((u) => u.sessionUpdate === "tool_call_update")?.status).toBe("failed");
    // A late answer to the abandoned request is ignored, and the session keeps working.
    agent.send({ id: ask2.id, result: { outcome: { outcome: "selected", optionId: "allow-once" } } });
    expect((await agent.prompt(sessionId, "still here")).stopReason).toBe("end_turn");
  });
});

describe("demo agent: modes and config options", () => {
  it("session/set_mode validates, stores, and announces the mode", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const { mark, response } = agent.request("session/set_mode", { sessionId, modeId: "code" });
    expect((await response).result).toEqual({});
    const updates = agent.updatesBetween(sessionId, mark);
    expect(updates[0]).toEqual({ sessionUpdate: "current_mode_update", currentModeId: "code" });
    expect(updates[1]?.sessionUpdate).toBe("config_option_update");
    expect(updates[1]?.configOptions.find((o: any) => o.id === "mode").currentValue).toBe("code");

    const bad = await agent.request("session/set_mode", { sessionId, modeId: "yolo" }).response;
    expect(bad.error?.code).toBe(-32602);
    expect(bad.error?.message).toContain("yolo");

    const { updates: turn } = await agent.prompt(sessionId, "hi");
    expect(turn[0]?.content.text).toContain("in code mode");
  });

  it("session/set_config_option returns the full list and announces it", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const { mark, response } = agent.request("session/set_config_option", {
      sessionId,
      configId: "model",
      value: "demo-large",
    });
    const result = (await response).result;
    expect(result.configOptions.map((o: any) => [o.id, o.currentValue])).toEqual([
      ["mode", "ask"],
      ["model", "demo-large"],
      ["thought_level", "medium"],
    ]);
    const updates = agent.updatesBetween(sessionId, mark);
    expect(updates).toEqual([{ sessionUpdate: "config_option_update", configOptions: result.configOptions }]);

    await agent.call("session/set_config_option", { sessionId, configId: "thought_level", value: "high" });
    const viaMode = agent.request("session/set_config_option", { sessionId, configId: "mode", value: "code" });
    await viaMode.response;
    expect(agent.updatesBetween(sessionId, viaMode.mark)[0]).toEqual({
      sessionUpdate: "current_mode_update",
      currentModeId: "code",
    });

    const badValue = await agent.request("session/set_config_option", { sessionId, configId: "model", value: "gpt-9" }).response;
    expect(badValue.error?.code).toBe(-32602);
    const badId = await agent.request("session/set_config_option", { sessionId, configId: "colour", value: "red" }).response;
    expect(badId.error?.code).toBe(-32602);

    const { updates: turn } = await agent.prompt(sessionId, "hi");
    expect(turn[0]?.content.text).toBe("Thinking (high) in code mode with demo-large: I will echo 1 piece(s) back.");
    expect(turn[turn.length - 1]?.size).toBe(200000);

    // Another session keeps its defaults.
    const other = (await agent.call("session/new", { cwd: "/tmp", mcpServers: [] })).configOptions;
    expect(other.map((o: any) => o.currentValue)).toEqual(["ask", "demo-small", "medium"]);
  });
});

describe("demo agent: /recall", () => {
  it("quotes the session's own first prompt, per session", async () => {
    const agent = startAgent();
    const sessionA = await agent.newSession();
    const sessionB = (await agent.call("session/new", { cwd: "/tmp", mcpServers: [] })).sessionId as string;
    await agent.prompt(sessionA, "the very first words");
    await agent.prompt(sessionA, "second words");
    await agent.prompt(sessionB, "/markdown");
    expect(messageText((await agent.prompt(sessionA, "/recall")).updates)).toBe("First prompt: the very first words");
    expect(messageText((await agent.prompt(sessionB, "/recall")).updates)).toBe("First prompt: /markdown");
  });

  it("extracts the first prompt from portal seed history (separate block or same block)", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const seed = "Conversation so far:\nUser: plan a trip to Lisbon\nAgent: Sure, when?\nUser: in May";
    const separate = await agent.prompt(sessionId, [
      { type: "text", text: seed },
      { type: "text", text: "/recall" },
    ]);
    expect(messageText(separate.updates)).toBe("First prompt: plan a trip to Lisbon");

    const other = (await agent.call("session/new", { cwd: "/tmp", mcpServers: [] })).sessionId as string;
    const inline = await agent.prompt(other, `${seed}\n/recall`);
    expect(messageText(inline.updates)).toBe("First prompt: plan a trip to Lisbon");
    // Remembered for later prompts without history.
    expect(messageText((await agent.prompt(other, "/recall")).updates)).toBe("First prompt: plan a trip to Lisbon");
    // Plain text after inline history echoes only the new prompt.
    expect(messageText((await agent.prompt(other, `${seed}\nwhat next?`)).updates)).toBe("what next?");
  });

  it("understands the portal's seed block (header, footer, Tool lines, _meta marker)", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const seed = [
      "[Conversation so far, restored by Agent Portal]",
      "User: summarise the report",
      "Tool: Read report.pdf",
      "Agent: Here is the summary.",
      "[End of restored conversation]",
    ].join("\n");
    const separate = await agent.prompt(sessionId, [
      { type: "text", text: seed, _meta: { portalSeed: true } },
      { type: "text", text: "/recall" },
    ]);
    expect(messageText(separate.updates)).toBe("First prompt: summarise the report");

    const other = (await agent.call("session/new", { cwd: "/tmp", mcpServers: [] })).sessionId as string;
    const echoed = await agent.prompt(other, `${seed}\nand now?`);
    expect(messageText(echoed.updates)).toBe("and now?");
    expect(messageText((await agent.prompt(other, "/recall")).updates)).toBe("First prompt: summarise the report");
  });

  it("extracts the first prompt from the SDK's JSON-RPC replay, including nested replays", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const prefix = "Previous session history is replayed below as JSON-RPC envelopes. Use it as context before responding to the latest user prompt.\n";
    const envelope = (sender: string, payload: object) => JSON.stringify({ createdAt: 1, sender, payload });
    const olderReplay =
      prefix +
      envelope("client", {
        jsonrpc: "2.0",
        id: 1,
        method: "session/prompt",
        params: { sessionId: "old", prompt: [{ type: "text", text: "original question" }] },
      }) +
      "\n";
    const replay =
      prefix +
      [
        envelope("client", { jsonrpc: "2.0", id: 1, method: "session/new", params: { cwd: "/", mcpServers: [] } }),
        envelope("agent", {
          jsonrpc: "2.0",
          method: "session/update",
          params: { sessionId: "s", update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "User: fake" } } },
        }),
        envelope("client", {
          jsonrpc: "2.0",
          id: 2,
          method: "session/prompt",
          params: {
            sessionId: "s",
            prompt: [
              { type: "text", text: olderReplay },
              { type: "text", text: "follow-up" },
            ],
          },
        }),
        envelope("client", { jsonrpc: "2.0", id: 3, method: "session/prompt", params: { sessionId: "s", prompt: [{ type: "text", text: "later" }] } }),
      ].join("\n") +
      "\n";
    const { stopReason, updates } = await agent.prompt(sessionId, [
      { type: "text", text: replay },
      { type: "text", text: "/recall" },
    ]);
    expect(stopReason).toBe("end_turn");
    expect(messageText(updates)).toBe("First prompt: original question");

    const flat = await agent.prompt(sessionId, [
      {
        type: "text",
        text: prefix + envelope("client", { jsonrpc: "2.0", id: 9, method: "session/prompt", params: { prompt: [{ type: "text", text: "flat first" }] } }),
      },
      { type: "text", text: "/recall" },
    ]);
    expect(messageText(flat.updates)).toBe("First prompt: flat first");
  });

  it("says it does not know when the replayed history holds no user prompt", async () => {
    const agent = startAgent();
    const sessionId = await agent.newSession();
    const { updates } = await agent.prompt(sessionId, [
      { type: "text", text: "Previous session history is replayed below as JSON-RPC envelopes.\n[history truncated]" },
      { type: "text", text: "/recall" },
    ]);
    expect(messageText(updates)).toBe("I don't know the first prompt of this session.");
  });
});

describe("demo agent: the sandbox from its side", () => {
  let root = "";
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = "";
  });

  /** A world-traversable scratch directory, so an agent running as another uid can use it too. */
  async function scratch(): Promise<string> {
    root = await mkdtemp(path.join(os.tmpdir(), "demo-agent-view-"));
    await chmod(root, 0o755);
    return root;
  }

  it("/write writes the rest of the line to a file in the session's cwd, and /cat reads it back", async () => {
    const dir = await scratch();
    const first = path.join(dir, "one");
    const second = path.join(dir, "two");
    await Promise.all([mkdir(first), mkdir(second)]);
    const agent = startAgent();
    const a = await agent.newSession(first);
    const b = await agent.newSession(second);

    // One space separates NAME from TEXT; the rest of the line is TEXT exactly (29 bytes in UTF-8).
    const wrote = await agent.prompt(a, "/write notes/plan.txt  two  spaces, kept: ünïcode");
    expect(wrote.stopReason).toBe("end_turn");
    expect(messageText(wrote.updates)).toBe("wrote 29 bytes to notes/plan.txt");
    // Told as an edit tool call naming the file, as a real agent's write is.
    expect(kinds(wrote.updates)).toEqual(["tool_call", "tool_call_update", "agent_message_chunk"]);
    expect(wrote.updates[0]).toMatchObject({ kind: "edit", locations: [{ path: path.join(first, "notes/plan.txt") }] });
    expect(wrote.updates[1]).toMatchObject({
      status: "completed",
      content: [{ type: "diff", path: path.join(first, "notes/plan.txt"), oldText: null, newText: " two  spaces, kept: ünïcode" }],
    });
    expect(await readFile(path.join(first, "notes/plan.txt"), "utf8")).toBe(" two  spaces, kept: ünïcode");

    const read = await agent.prompt(a, "/cat notes/plan.txt");
    expect(kinds(read.updates)).toEqual(["agent_message_chunk"]);
    expect(messageText(read.updates)).toBe(" two  spaces, kept: ünïcode");
    expect(read.stopReason).toBe("end_turn");
    // Names resolve against each session's own cwd.
    expect(messageText((await agent.prompt(b, "/cat notes/plan.txt")).updates)).toBe("cat notes/plan.txt: no such file");

    await agent.prompt(b, "/write empty.txt");
    expect(await readFile(path.join(second, "empty.txt"), "utf8")).toBe("");
    expect(messageText((await agent.prompt(b, "/cat empty.txt")).updates)).toBe("cat empty.txt: empty file");
  });

  it("/write and /cat explain bad arguments and failures in one message", async () => {
    const dir = await scratch();
    await writeFile(path.join(dir, "file"), "x");
    const agent = startAgent();
    const session = await agent.newSession(dir);
    const answers: string[] = [];
    for (const prompt of ["/write", "/cat", "/cat a b", "/cat .", "/write file/inside text"]) {
      const { stopReason, updates } = await agent.prompt(session, prompt);
      expect(stopReason).toBe("end_turn");
      answers.push(messageText(updates));
    }
    expect(answers).toEqual([
      "Usage: /write NAME TEXT (NAME relative to the session's cwd; TEXT is the rest of the line)",
      "Usage: /cat NAME (NAME relative to the session's cwd)",
      "Usage: /cat NAME (NAME relative to the session's cwd)",
      "cat .: cannot read (EISDIR)",
      "write file/inside: failed (EEXIST)",
    ]);
  });

  it("/cat cuts a large file at 256 KiB", async () => {
    const dir = await scratch();
    await writeFile(path.join(dir, "big"), "a".repeat(300 * 1024));
    const agent = startAgent();
    const session = await agent.newSession(dir);
    const text = messageText((await agent.prompt(session, "/cat big")).updates);
    expect(text).toBe(`${"a".repeat(256 * 1024)}\n[cut at 262144 bytes]`);
  });

  it("/probe and /whoami report what the agent's own uid can see", async () => {
    const dir = await scratch();
    // As root, run the agent as nobody: root reads everything, so "not readable" needs another uid.
    const asRoot = process.getuid?.() === 0;
    const ids = asRoot ? { uid: 65534, gid: 65534 } : {};
    const agentFile = path.join(dir, "demo-agent.mjs");
    await copyFile(agentPath, agentFile);
    await chmod(agentFile, 0o755);
    await writeFile(path.join(dir, "open"), "yes");
    await chmod(path.join(dir, "open"), 0o644);
    await writeFile(path.join(dir, "closed"), "no");
    await chmod(path.join(dir, "closed"), 0o000);
    await mkdir(path.join(dir, "locked"));
    await writeFile(path.join(dir, "locked", "inside"), "hidden");
    await chmod(path.join(dir, "locked"), 0o000);

    const agent = startAgent({ ...ids, agentFile });
    const session = await agent.newSession(dir);
    const answer = async (prompt: string) => {
      const { stopReason, updates } = await agent.prompt(session, prompt);
      expect(stopReason).toBe("end_turn");
      expect(kinds(updates)).toEqual(["agent_message_chunk"]);
      return messageText(updates);
    };
    expect(await answer("/probe open")).toBe("probe open: exists, readable");
    expect(await answer(`/probe ${dir}`)).toBe(`probe ${dir}: exists, readable`);
    expect(await answer("/probe closed")).toBe("probe closed: exists, not readable");
    expect(await answer("/probe locked")).toBe("probe locked: exists, not readable");
    expect(await answer("/probe locked/inside")).toBe("probe locked/inside: not reachable (EACCES)");
    expect(await answer("/probe missing")).toBe("probe missing: absent");
    expect(await answer("/probe open/below")).toBe("probe open/below: absent");
    // access(2) would say readable; reading is refused for another uid's process environment.
    if (asRoot) expect(await answer(`/probe /proc/${process.pid}/environ`)).toBe(`probe /proc/${process.pid}/environ: exists, not readable`);
    expect(await answer("/probe")).toBe("Usage: /probe PATH (absolute, or relative to the session's cwd)");

    const expectedUid = asRoot ? 65534 : process.getuid?.();
    const expectedGid = asRoot ? 65534 : process.getgid?.();
    expect(await answer("/whoami")).toBe(`uid=${expectedUid} gid=${expectedGid} cwd=${dir}`);
    await chmod(path.join(dir, "locked"), 0o755);
  });

  it("/connect says whether a TCP connection opens from the agent", async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const open = (server.address() as net.AddressInfo).port;
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const refused = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const agent = startAgent();
      const session = await agent.newSession(await scratch());
      const answer = async (prompt: string) => messageText((await agent.prompt(session, prompt)).updates);
      expect(await answer(`/connect 127.0.0.1 ${open}`)).toBe(`connect 127.0.0.1:${open}: open`);
      expect(await answer(`/connect 127.0.0.1 ${refused}`)).toBe(`connect 127.0.0.1:${refused}: refused`);
      expect(await answer("/connect 127.0.0.1")).toBe("Usage: /connect HOST PORT (a TCP connection attempt from inside the agent)");
      expect(await answer("/connect 127.0.0.1 99999")).toMatch(/^Usage: /);
    } finally {
      server.close();
    }
  });

  it("/forkbomb, /alloc and /fill do what they say, bounded, and say how far they got", async () => {
    const agent = startAgent();
    const dir = await scratch();
    const session = await agent.newSession(dir);
    const answer = async (prompt: string) => messageText((await agent.prompt(session, prompt)).updates);
    expect(await answer("/forkbomb 5")).toBe("forkbomb: started 5 of 5 processes");
    expect(await answer("/forkbomb 100001")).toMatch(/^Usage: \/forkbomb/);
    expect(await answer("/alloc 24")).toBe("alloc: allocated 24 MiB");
    expect(await answer("/alloc 0")).toMatch(/^Usage: \/alloc/);
    expect(await answer("/fill big 3")).toBe("fill big: wrote 3 MiB");
    expect((await stat(path.join(dir, "big"))).size).toBe(3 * 1024 * 1024);
    expect(await answer("/fill missing-dir/x 1")).toBe("fill missing-dir/x: wrote 0 MiB, then ENOENT");
    expect(await answer("/fill big")).toMatch(/^Usage: \/fill/);
  });
});

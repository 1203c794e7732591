import { describe, expect, it } from "vitest";
import {
  applyEvents,
  emptyTranscript,
  ordinal,
  PLAN_LEFT_UNFINISHED,
  settingLabel,
  transcriptOf,
  unfinishedAs,
  type StreamEvent,
} from "@/components/session/transcript-model";

// The reducer that turns mirrored events into transcript rows, fed with the shapes the portal stores.

let index = 0;
const at = "2026-11-24T10:00:00.000Z";
const agent = (update: Record<string, unknown>): StreamEvent => ({
  index: ++index,
  sender: "agent",
  createdAt: at,
  payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update } },
});
const chunk = (text: string) => agent({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });
const thought = (text: string) => agent({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text } });
const prompt = (prompt: unknown[]): StreamEvent => ({
  index: ++index,
  sender: "client",
  createdAt: at,
  payload: { jsonrpc: "2.0", id: index, method: "session/prompt", params: { sessionId: "s", prompt } },
});
const portal = (payload: Record<string, unknown>): StreamEvent => ({ index: ++index, sender: "portal", createdAt: at, payload });

function fresh() {
  index = 0;
  return emptyTranscript();
}

describe("transcript model", () => {
  it("merges chunks into one message and one thought, and a turn end closes them", () => {
    const state = fresh();
    applyEvents(state, [
      portal({ type: "status", status: "running" }),
      prompt([{ type: "text", text: "hello there" }]),
      thought("Thinking "),
      thought("hard"),
      chunk("hello "),
      chunk("there"),
      portal({ type: "turn_ended", turnId: "t1", stopReason: "end_turn" }),
      prompt([{ type: "text", text: "again" }]),
      chunk("again"),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "thought", "agent", "turn_end", "user", "agent"]);
    expect(state.items[1]).toMatchObject({ kind: "thought", text: "Thinking hard" });
    expect(state.items[2]).toMatchObject({ kind: "agent", text: "hello there" });
    expect(state.items[5]).toMatchObject({ kind: "agent", text: "again" });
    expect(state.lastIndex).toBe(9);
  });

  it("ignores events it already has, so a resumed stream adds no duplicate", () => {
    const state = fresh();
    const events = [prompt([{ type: "text", text: "count" }]), chunk("1 "), chunk("2 "), chunk("3 ")];
    applyEvents(state, events.slice(0, 3));
    // The resumed stream starts again before what the view had.
    applyEvents(state, events.slice(1));
    applyEvents(state, events);
    expect(state.items).toHaveLength(2);
    expect(state.items[1]).toMatchObject({ kind: "agent", text: "1 2 3 " });
    expect(state.lastIndex).toBe(4);
  });

  it("replaces only the item an event changes, so memoised rows stay put", () => {
    const state = fresh();
    applyEvents(state, [prompt([{ type: "text", text: "hi" }]), chunk("a")]);
    const [user, message] = state.items;
    applyEvents(state, [chunk("b")]);
    expect(state.items[0]).toBe(user);
    expect(state.items[1]).not.toBe(message);
    expect(state.items[1]).toMatchObject({ text: "ab" });
  });

  it("keeps one card per tool call, with its permission request and the answer inside", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "/tool" }]),
      agent({
        sessionUpdate: "plan",
        entries: [
          { content: "Edit demo.txt", status: "in_progress", priority: "high" },
          { content: "Summarise", status: "pending" },
        ],
      }),
      agent({ sessionUpdate: "tool_call", toolCallId: "tc1", title: "Edit demo.txt", kind: "edit", status: "pending", rawInput: { path: "demo.txt" } }),
      portal({
        type: "permission_requested",
        permissionId: "p1",
        toolCall: { toolCallId: "tc1", title: "Edit demo.txt", kind: "edit" },
        options: [{ optionId: "allow-once", name: "Allow once", kind: "allow_once" }],
      }),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan", "tool"]);
    expect(state.items[2]).toMatchObject({ kind: "tool", status: "pending", permission: { permissionId: "p1", reply: "pending", by: null } });
    expect(state.pending.size).toBe(1);
    const card = state.items[2];
    applyEvents(state, [
      portal({ type: "permission_resolved", permissionId: "p1", reply: "once", by: "u1" }),
      agent({ sessionUpdate: "tool_call_update", toolCallId: "tc1", status: "in_progress" }),
      agent({
        sessionUpdate: "tool_call_update",
        toolCallId: "tc1",
        status: "completed",
        content: [{ type: "content", content: { type: "text", text: "Wrote 26 bytes" } }],
      }),
      agent({
        sessionUpdate: "plan",
        entries: [
          { content: "Edit demo.txt", status: "completed" },
          { content: "Summarise", status: "completed" },
        ],
      }),
      agent({ sessionUpdate: "tool_call_update", toolCallId: "unknown", status: "failed" }),
    ]);
    // Still one plan and one tool card, in the places they first appeared, changed in place.
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan", "tool"]);
    expect(state.items[2]).not.toBe(card);
    expect(state.items[1]).toMatchObject({ kind: "plan", entries: [{ status: "completed" }, { status: "completed" }] });
    expect(state.items[2]).toMatchObject({
      kind: "tool",
      status: "completed",
      output: "Wrote 26 bytes",
      permission: { reply: "once", by: "u1", at },
      rawInput: { path: "demo.txt" },
    });
    expect(state.items[2]!.events).toEqual([3, 4, 5, 6, 7]);
    expect(state.pending.size).toBe(0);
  });

  it("starts a new plan each turn and gives a request for an unannounced call its own card", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "one" }]),
      agent({ sessionUpdate: "plan", entries: [{ content: "a", status: "pending" }] }),
      portal({ type: "turn_ended", turnId: "t1", stopReason: "end_turn" }),
      prompt([{ type: "text", text: "two" }]),
      agent({ sessionUpdate: "plan", entries: [{ content: "b", status: "pending" }] }),
      portal({ type: "permission_requested", permissionId: "p2", toolCall: { title: "Run ls", kind: "execute" }, options: [] }),
      portal({ type: "turn_ended", turnId: "t2", stopReason: "cancelled" }),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan", "turn_end", "user", "plan", "tool", "turn_end"]);
    // The turn ended without an answer: the request is no longer waiting.
    expect(state.items[5]).toMatchObject({ kind: "tool", title: "Run ls", permission: { reply: "cancelled" } });
    expect(state.pending.size).toBe(0);
  });

  it("shows edits as diffs and keeps terminal output apart", () => {
    const state = fresh();
    applyEvents(state, [
      agent({
        sessionUpdate: "tool_call",
        toolCallId: "e",
        title: "Edit a.ts",
        kind: "edit",
        status: "in_progress",
        content: [{ type: "diff", path: "a.ts", oldText: "x\n", newText: "y\n" }],
      }),
      agent({
        sessionUpdate: "tool_call",
        toolCallId: "t",
        title: "npm test",
        kind: "execute",
        status: "in_progress",
        content: [{ type: "terminal", terminalId: "term1" }],
      }),
    ]);
    expect(state.items[0]).toMatchObject({ diffs: [{ path: "a.ts", oldText: "x\n", newText: "y\n" }], terminal: false });
    expect(state.items[1]).toMatchObject({ terminal: true });
  });

  it("rebuilds the same transcript from any window that starts at a turn", () => {
    const events = (() => {
      fresh();
      return [
        prompt([{ type: "text", text: "a" }]),
        chunk("x"),
        portal({ type: "turn_ended", turnId: "1", stopReason: "end_turn" }),
        prompt([{ type: "text", text: "b" }]),
        chunk("y"),
      ];
    })();
    const whole = transcriptOf(events);
    const tail = transcriptOf(events.slice(3));
    expect(whole.items.slice(3)).toEqual(tail.items);
  });

  it("follows the session status: running, idle after the turn, destroyed", () => {
    const state = fresh();
    applyEvents(state, [portal({ type: "status", status: "idle" }), portal({ type: "status", status: "running" })]);
    expect(state.status).toBe("running");
    applyEvents(state, [portal({ type: "turn_ended", turnId: "t", stopReason: "cancelled" })]);
    expect(state.status).toBe("idle");
    expect(state.items.at(-1)).toMatchObject({ kind: "turn_end", stopReason: "cancelled" });
    applyEvents(state, [portal({ type: "status", status: "destroyed" })]);
    expect(state.status).toBe("destroyed");
    expect(state.items.at(-1)).toMatchObject({ kind: "separator", tone: "warning" });
  });

  it("keeps restorable after a turn the runtime interrupted", () => {
    const state = fresh();
    applyEvents(state, [
      portal({ type: "status", status: "running" }),
      portal({ type: "turn_ended", turnId: "t", stopReason: "interrupted" }),
      portal({ type: "status", status: "restorable" }),
    ]);
    expect(state.status).toBe("restorable");
  });

  it("shows what people typed, not the replayed history a restore puts in front", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([
        { type: "text", text: "earlier conversation…", _meta: { portalSeed: true } },
        { type: "text", text: "/recall" },
        { type: "resource_link", uri: "file:///repo/README.md", name: "README.md" },
      ]),
    ]);
    expect(state.items).toEqual([{ kind: "user", key: "e1", events: [1], text: "/recall", links: ["file:///repo/README.md"] }]);
  });

  it("says when history has a gap, a restore, a setting change or a sandbox limit hit, and keeps usage", () => {
    const state = fresh();
    applyEvents(state, [
      portal({ type: "gap", missing: 12 }),
      portal({ type: "gap", missing: 1, cause: "database" }),
      portal({ type: "restored", fromIndex: 4 }),
      portal({ type: "config_changed", field: "mode", value: "code", by: "u1" }),
      portal({ type: "limit", limit: "memory", detail: "out of memory: 2 GiB" }),
      portal({ type: "limit_hit", limit: "pids", message: "too many processes: 512" }),
      agent({ sessionUpdate: "usage_update", used: 40, size: 1000, cost: { amount: 0.0004, currency: "USD" } }),
      { index: ++index, sender: "agent", createdAt: at, payload: "not an object" },
      agent({ sessionUpdate: "something_new" }),
    ]);
    expect(
      state.items.map((item) => (item.kind === "separator" ? item.text : item.kind === "setting" ? `${item.label}: ${item.value} by ${item.by}` : item.kind)),
    ).toEqual([
      "12 messages from the agent were lost in transit and could not be recovered.",
      "1 message could not be stored here (the database refused them).",
      "Resumed after the runtime restarted: the agent was given the conversation so far.",
      "Mode: code by u1",
      "The sandbox stopped: out of memory: 2 GiB. The session continues on its next prompt.",
      "The sandbox stopped: too many processes: 512. The session continues on its next prompt.",
    ]);
    expect(state.usage).toEqual({ used: 40, size: 1000, cost: { amount: 0.0004, currency: "USD" } });
    expect(state.lastIndex).toBe(9);
  });
  it("shows a wait for a sandbox as one line that moves up the queue, then says it is starting", () => {
    const state = fresh();
    applyEvents(state, [portal({ type: "sandbox_queue", position: 3 }), portal({ type: "sandbox_queue", position: 2 })]);
    expect(state.items.map((item) => (item.kind === "separator" ? item.text : item.kind))).toEqual(["Waiting for a sandbox: 2nd in line."]);
    applyEvents(state, [portal({ type: "sandbox_queue", position: 1 }), portal({ type: "sandbox_queue", position: 0 })]);
    expect(state.items).toHaveLength(1);
    expect(state.items[0]).toMatchObject({ kind: "separator", tone: "info", text: "Waited for a sandbox; it is starting." });
    expect(state.items[0]!.events).toHaveLength(4);
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal)).toEqual(["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]);
  });
  it("names settings in words", () => {
    expect(settingLabel("thoughtLevel")).toBe("Thought level");
    expect(settingLabel("model")).toBe("Model");
    expect(settingLabel("reasoning_effort")).toBe("Reasoning effort");
  });

  it("keeps a card of an earlier runtime session as it was when a restored session numbers its tool calls again", () => {
    const state = fresh();
    const toolTurn = (permissionId: string) => [
      prompt([{ type: "text", text: "/tool" }]),
      agent({ sessionUpdate: "plan", entries: [{ content: "Edit demo.txt", status: "in_progress" }] }),
      agent({ sessionUpdate: "tool_call", toolCallId: "demo-tool-1", title: "Edit demo.txt", kind: "edit", status: "pending", rawInput: { path: "demo.txt" } }),
      portal({
        type: "permission_requested",
        permissionId,
        toolCall: { toolCallId: "demo-tool-1", title: "Edit demo.txt", kind: "edit", rawInput: { path: "demo.txt" } },
        options: [],
      }),
    ];
    applyEvents(state, [
      ...toolTurn("p1"),
      portal({ type: "permission_resolved", permissionId: "p1", reply: "once", by: "u1" }),
      agent({ sessionUpdate: "tool_call_update", toolCallId: "demo-tool-1", status: "completed" }),
      agent({ sessionUpdate: "plan", entries: [{ content: "Edit demo.txt", status: "completed" }] }),
      portal({ type: "turn_ended", turnId: "t1", stopReason: "end_turn" }),
      // A clean restart: the session becomes restorable, the next prompt restores it on a new runtime session.
      portal({ type: "status", status: "restorable" }),
      portal({ type: "restored", fromIndex: 9 }),
      ...toolTurn("p2"),
      portal({ type: "permission_resolved", permissionId: "p2", reply: "reject", by: "u1" }),
      agent({ sessionUpdate: "tool_call_update", toolCallId: "demo-tool-1", status: "failed" }),
      portal({ type: "turn_ended", turnId: "t2", stopReason: "end_turn" }),
    ]);
    const cards = state.items.filter((item) => item.kind === "tool");
    expect(cards).toHaveLength(2);
    expect(cards[0]).toMatchObject({ status: "completed", permission: { permissionId: "p1", reply: "once" } });
    expect(cards[1]).toMatchObject({ status: "failed", permission: { permissionId: "p2", reply: "reject" } });
    expect(state.items.filter((item) => item.kind === "plan")).toEqual([
      expect.objectContaining({ entries: [{ content: "Edit demo.txt", status: "completed" }] }),
      expect.objectContaining({ entries: [{ content: "Edit demo.txt", status: "in_progress" }] }),
    ]);
    // A restorable status alone says nothing: only a cut-off turn does.
    expect(state.items.filter((item) => item.kind === "separator").map((item) => (item as { text: string }).text)).toEqual([
      "Resumed after the runtime restarted: the agent was given the conversation so far.",
    ]);
  });

  it("says interrupted in one word on the card, its answer and the plan when a restart cuts a turn off", () => {
    const state = fresh();
    applyEvents(state, [
      portal({ type: "status", status: "running" }),
      prompt([{ type: "text", text: "/tool" }]),
      agent({
        sessionUpdate: "plan",
        entries: [
          { content: "Edit demo.txt", status: "in_progress" },
          { content: "Summarise", status: "pending" },
        ],
      }),
      agent({ sessionUpdate: "tool_call", toolCallId: "demo-tool-1", title: "Edit demo.txt", kind: "edit", status: "pending" }),
      portal({ type: "permission_requested", permissionId: "p1", toolCall: { toolCallId: "demo-tool-1", title: "Edit demo.txt" }, options: [] }),
      // What the portal records for a session left behind: the request expires, the turn ends interrupted.
      portal({ type: "permission_resolved", permissionId: "p1", reply: "expired", by: null }),
      portal({ type: "turn_ended", turnId: "t1", stopReason: "interrupted" }),
      portal({ type: "status", status: "restorable" }),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan", "tool", "turn_end"]);
    expect(state.items[1]).toMatchObject({ kind: "plan", ended: "interrupted" });
    expect(state.items[2]).toMatchObject({ kind: "tool", status: "interrupted", permission: { reply: "interrupted" } });
    expect(state.items[3]).toMatchObject({ kind: "turn_end", stopReason: "interrupted" });
    expect(state.pending.size).toBe(0);
    expect(unfinishedAs("cancelled")).toBe("cancelled");
    expect(unfinishedAs("max_tokens")).toBe("stopped");
  });

  it("shows a stopped turn's running call as cancelled and keeps a completed plan as it was", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "go" }]),
      agent({ sessionUpdate: "plan", entries: [{ content: "a", status: "completed" }] }),
      agent({ sessionUpdate: "tool_call", toolCallId: "x", title: "Run tests", kind: "execute", status: "in_progress" }),
      portal({ type: "turn_ended", turnId: "t", stopReason: "cancelled" }),
    ]);
    expect(state.items[1]).toMatchObject({ kind: "plan", ended: null });
    expect(state.items[2]).toMatchObject({ kind: "tool", status: "cancelled", permission: null });
  });

  it("says a plan a normally ended turn left unfinished is not finished, and leaves a finished one alone", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "go" }]),
      agent({
        sessionUpdate: "plan",
        entries: [
          { content: "a", status: "completed" },
          { content: "b", status: "in_progress" },
          { content: "c", status: "pending" },
        ],
      }),
      agent({ sessionUpdate: "tool_call", toolCallId: "x", title: "Run tests", kind: "execute", status: "in_progress" }),
      portal({ type: "turn_ended", turnId: "t1", stopReason: "end_turn" }),
      prompt([{ type: "text", text: "again" }]),
      agent({ sessionUpdate: "plan", entries: [{ content: "d", status: "completed" }] }),
      portal({ type: "turn_ended", turnId: "t2", stopReason: "end_turn" }),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan", "tool", "turn_end", "user", "plan", "turn_end"]);
    expect(state.items[1]).toMatchObject({ kind: "plan", ended: PLAN_LEFT_UNFINISHED });
    // The entries stay as the agent sent them (the view shows the one in progress as not finished).
    expect(state.items[1]).toMatchObject({ entries: [{ status: "completed" }, { status: "in_progress" }, { status: "pending" }] });
    // A normal end says nothing about the agent's calls: only a cut-off turn closes them.
    expect(state.items[2]).toMatchObject({ kind: "tool", status: "in_progress" });
    expect(state.items[5]).toMatchObject({ kind: "plan", ended: null });
    // The turn's end is recorded on the plan (its raw events include it).
    expect(state.items[1]!.events).toContain(4);
  });

  it("clears a plan's unfinished mark when the agent's last plan update arrives after the turn's end and completes it", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "go" }]),
      agent({ sessionUpdate: "plan", entries: [{ content: "a", status: "in_progress" }] }),
      portal({ type: "turn_ended", turnId: "t1", stopReason: "end_turn" }),
    ]);
    expect(state.items[1]).toMatchObject({ kind: "plan", ended: PLAN_LEFT_UNFINISHED });
    applyEvents(state, [agent({ sessionUpdate: "plan", entries: [{ content: "a", status: "completed" }] })]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan", "turn_end"]);
    expect(state.items[1]).toMatchObject({ kind: "plan", ended: null, entries: [{ status: "completed" }] });
    // And a late update that leaves it unfinished marks it again.
    applyEvents(state, [
      agent({
        sessionUpdate: "plan",
        entries: [
          { content: "a", status: "completed" },
          { content: "b", status: "pending" },
        ],
      }),
    ]);
    expect(state.items[1]).toMatchObject({ kind: "plan", ended: PLAN_LEFT_UNFINISHED });
  });

  it("puts the agent's last updates of a turn before its end when the prompt's result came first", () => {
    const state = fresh();
    applyEvents(state, [
      portal({ type: "status", status: "running" }),
      prompt([{ type: "text", text: "hi" }]),
      chunk("Hello"),
      portal({ type: "turn_ended", turnId: "t1", stopReason: "end_turn" }),
      chunk(", world"),
      chunk("."),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "agent", "turn_end"]);
    expect(state.items[1]).toMatchObject({ text: "Hello, world." });
    expect(state.openMessage).toBeNull();
    // The next turn starts afresh.
    applyEvents(state, [prompt([{ type: "text", text: "again" }]), chunk("Again")]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "agent", "turn_end", "user", "agent"]);
    expect(state.items[4]).toMatchObject({ text: "Again" });
  });

  it("does not move a turn's end below a notice that followed it", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "hi" }]),
      chunk("a"),
      portal({ type: "turn_ended", turnId: "t1", stopReason: "end_turn" }),
      portal({ type: "status", status: "destroyed" }),
      chunk("b"),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "agent", "turn_end", "separator", "agent"]);
  });

  it("starts a new message when the agent's messageId changes", () => {
    const state = fresh();
    const withId = (text: string, messageId: string) => agent({ sessionUpdate: "agent_message_chunk", messageId, content: { type: "text", text } });
    applyEvents(state, [prompt([{ type: "text", text: "hi" }]), withId("one ", "m1"), withId("two", "m1"), withId("three", "m2")]);
    expect(state.items.filter((item) => item.kind === "agent").map((item) => (item as { text: string }).text)).toEqual(["one two", "three"]);
  });

  it("keeps the announced slash commands and the latest usage", () => {
    const state = fresh();
    applyEvents(state, [
      // codex-acp's builtin commands (AvailableCommandsUpdate), with an unstructured input hint.
      agent({
        sessionUpdate: "available_commands_update",
        availableCommands: [
          { name: "review", description: "Review my current changes and find issues", input: { hint: "optional custom review instructions" } },
          { name: "init", description: "create an AGENTS.md file with instructions for Codex", input: null },
          { name: "", description: "nameless" },
        ],
      }),
      // codex-acp's UsageUpdate carries used and size only; OpenCode adds a cost.
      agent({ sessionUpdate: "usage_update", used: 5321, size: 272000 }),
    ]);
    expect(state.commands).toEqual([
      { name: "review", description: "Review my current changes and find issues", hint: "optional custom review instructions" },
      { name: "init", description: "create an AGENTS.md file with instructions for Codex", hint: null },
    ]);
    expect(state.usage).toEqual({ used: 5321, size: 272000, cost: null });
    applyEvents(state, [agent({ sessionUpdate: "usage_update", used: 9000, size: 200000, cost: { amount: 0.0123, currency: "USD" } })]);
    expect(state.usage).toEqual({ used: 9000, size: 200000, cost: { amount: 0.0123, currency: "USD" } });
    expect(state.items).toEqual([]);
  });
});

// Recorded shapes of real agents' session/update payloads (claude-code-acp, codex-acp, opencode acp).
describe("transcript model with real agents' shapes", () => {
  it("merges Claude Code's empty tool_call and its full second tool_call with the diff into one card", () => {
    const state = fresh();
    const meta = { claudeCode: { toolName: "Write" } };
    applyEvents(state, [
      prompt([{ type: "text", text: "write hello.txt" }]),
      // From the stream's content_block_start: the input is not known yet.
      agent({
        _meta: meta,
        toolCallId: "toolu_01",
        sessionUpdate: "tool_call",
        rawInput: {},
        status: "pending",
        title: "Write",
        kind: "edit",
        content: [],
        locations: [],
      }),
      // From the whole assistant message: the same id, now with the input and the diff.
      agent({
        _meta: meta,
        toolCallId: "toolu_01",
        sessionUpdate: "tool_call",
        rawInput: { file_path: "/workspace/hello.txt", content: "hello\n" },
        status: "pending",
        title: "Write /workspace/hello.txt",
        kind: "edit",
        content: [{ type: "diff", path: "/workspace/hello.txt", oldText: null, newText: "hello\n" }],
        locations: [{ path: "/workspace/hello.txt" }],
      }),
      portal({
        type: "permission_requested",
        permissionId: "p1",
        toolCall: {
          toolCallId: "toolu_01",
          title: "Write /workspace/hello.txt",
          kind: "edit",
          rawInput: { file_path: "/workspace/hello.txt", content: "hello\n" },
        },
        options: [],
      }),
      portal({ type: "permission_resolved", permissionId: "p1", reply: "once", by: "u1" }),
      // The tool result, and then the PostToolUse hook's update (no status, no content).
      agent({
        _meta: meta,
        toolCallId: "toolu_01",
        sessionUpdate: "tool_call_update",
        status: "completed",
        rawOutput: "File created successfully at: /workspace/hello.txt",
      }),
      agent({ _meta: { claudeCode: { toolResponse: {}, toolName: "Write" } }, toolCallId: "toolu_01", sessionUpdate: "tool_call_update" }),
    ]);
    const cards = state.items.filter((item) => item.kind === "tool");
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({
      title: "Write /workspace/hello.txt",
      status: "completed",
      rawInput: { file_path: "/workspace/hello.txt", content: "hello\n" },
      diffs: [{ path: "/workspace/hello.txt", oldText: null, newText: "hello\n" }],
      permission: { reply: "once" },
    });
  });

  it("shows Claude Code's TodoWrite plan and OpenCode's todowrite tool call as one checklist", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "plan it" }]),
      // claude-code-acp turns TodoWrite into a plan update.
      agent({ sessionUpdate: "plan", entries: [{ content: "Read the code", status: "in_progress", priority: "medium" }] }),
      // opencode acp sends its todo list as a tool call (title = the tool's name) with its updates.
      agent({ sessionUpdate: "tool_call", toolCallId: "call_7", title: "todowrite", kind: "other", status: "pending", locations: [], rawInput: {} }),
      agent({
        sessionUpdate: "tool_call_update",
        toolCallId: "call_7",
        status: "in_progress",
        kind: "other",
        title: "todowrite",
        locations: [],
        rawInput: {
          todos: [
            { id: "1", content: "Read the code", status: "completed", priority: "high" },
            { id: "2", content: "Fix the bug", status: "in_progress", priority: "high" },
          ],
        },
      }),
      agent({
        sessionUpdate: "tool_call_update",
        toolCallId: "call_7",
        status: "completed",
        kind: "other",
        title: "2 todos",
        content: [{ type: "content", content: { type: "text", text: "[...]" } }],
        rawInput: {
          todos: [
            { id: "1", content: "Read the code", status: "completed", priority: "high" },
            { id: "2", content: "Fix the bug", status: "completed", priority: "high" },
          ],
        },
      }),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan"]);
    expect(state.items[1]).toMatchObject({
      entries: [
        { content: "Read the code", status: "completed" },
        { content: "Fix the bug", status: "completed" },
      ],
    });
  });

  it("shows Codex's reasoning as a thought and its warning sent as an agent message as a notice", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "hi" }]),
      // codex-acp: WarningEvent → send_agent_text(message), one chunk.
      chunk("Model metadata for `gpt-unknown` not found. Defaulting to fallback metadata; this can degrade performance and cause issues."),
      // ReasoningContentDelta → agent_thought_chunk, section breaks as "\n\n".
      thought("**Greeting**"),
      thought("\n\n"),
      thought("The user says hi."),
      chunk("Hi"),
      chunk("! How can I help?"),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "agent_notice", "thought", "agent"]);
    expect(state.items[1]).toMatchObject({ text: expect.stringContaining("gpt-unknown") });
    expect(state.items[2]).toMatchObject({ text: "**Greeting**\n\nThe user says hi." });
    expect(state.items[3]).toMatchObject({ text: "Hi! How can I help?" });
  });

  it("keeps an interrupted turn's late tool result on its card", () => {
    const state = fresh();
    applyEvents(state, [
      prompt([{ type: "text", text: "run" }]),
      agent({ sessionUpdate: "tool_call", toolCallId: "call_1", title: "ls", kind: "execute", status: "in_progress" }),
      portal({ type: "turn_ended", turnId: "t", stopReason: "cancelled" }),
      agent({
        sessionUpdate: "tool_call_update",
        toolCallId: "call_1",
        status: "completed",
        content: [{ type: "content", content: { type: "text", text: "a.txt" } }],
      }),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "tool", "turn_end"]);
    expect(state.items[1]).toMatchObject({ status: "completed", output: "a.txt" });
  });
});

import { describe, expect, it } from "vitest";
import { applyEvents, emptyTranscript, ordinal, settingLabel, transcriptOf, type StreamEvent } from "@/components/session/transcript-model";

// The reducer that turns mirrored events into transcript rows, fed with the shapes the portal stores.

let index = 0;
const at = "2026-11-24T10:00:00.000Z";
const agent = (update: Record<string, unknown>): StreamEvent => ({ index: ++index, sender: "agent", createdAt: at, payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update } } });
const chunk = (text: string) => agent({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });
const thought = (text: string) => agent({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text } });
const prompt = (prompt: unknown[]): StreamEvent => ({ index: ++index, sender: "client", createdAt: at, payload: { jsonrpc: "2.0", id: index, method: "session/prompt", params: { sessionId: "s", prompt } } });
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
      agent({ sessionUpdate: "plan", entries: [{ content: "Edit demo.txt", status: "in_progress", priority: "high" }, { content: "Summarise", status: "pending" }] }),
      agent({ sessionUpdate: "tool_call", toolCallId: "tc1", title: "Edit demo.txt", kind: "edit", status: "pending", rawInput: { path: "demo.txt" } }),
      portal({ type: "permission_requested", permissionId: "p1", toolCall: { toolCallId: "tc1", title: "Edit demo.txt", kind: "edit" }, options: [{ optionId: "allow-once", name: "Allow once", kind: "allow_once" }] }),
    ]);
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan", "tool"]);
    expect(state.items[2]).toMatchObject({ kind: "tool", status: "pending", permission: { permissionId: "p1", reply: "pending", by: null } });
    expect(state.pending.size).toBe(1);
    const card = state.items[2];
    applyEvents(state, [
      portal({ type: "permission_resolved", permissionId: "p1", reply: "once", by: "u1" }),
      agent({ sessionUpdate: "tool_call_update", toolCallId: "tc1", status: "in_progress" }),
      agent({ sessionUpdate: "tool_call_update", toolCallId: "tc1", status: "completed", content: [{ type: "content", content: { type: "text", text: "Wrote 26 bytes" } }] }),
      agent({ sessionUpdate: "plan", entries: [{ content: "Edit demo.txt", status: "completed" }, { content: "Summarise", status: "completed" }] }),
      agent({ sessionUpdate: "tool_call_update", toolCallId: "unknown", status: "failed" }),
    ]);
    // Still one plan and one tool card, in the places they first appeared, changed in place.
    expect(state.items.map((item) => item.kind)).toEqual(["user", "plan", "tool"]);
    expect(state.items[2]).not.toBe(card);
    expect(state.items[1]).toMatchObject({ kind: "plan", entries: [{ status: "completed" }, { status: "completed" }] });
    expect(state.items[2]).toMatchObject({ kind: "tool", status: "completed", output: "Wrote 26 bytes", permission: { reply: "once", by: "u1", at }, rawInput: { path: "demo.txt" } });
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
      agent({ sessionUpdate: "tool_call", toolCallId: "e", title: "Edit a.ts", kind: "edit", status: "in_progress", content: [{ type: "diff", path: "a.ts", oldText: "x\n", newText: "y\n" }] }),
      agent({ sessionUpdate: "tool_call", toolCallId: "t", title: "npm test", kind: "execute", status: "in_progress", content: [{ type: "terminal", terminalId: "term1" }] }),
    ]);
    expect(state.items[0]).toMatchObject({ diffs: [{ path: "a.ts", oldText: "x\n", newText: "y\n" }], terminal: false });
    expect(state.items[1]).toMatchObject({ terminal: true });
  });

  it("rebuilds the same transcript from any window that starts at a turn", () => {
    const events = (() => {
      fresh();
      return [prompt([{ type: "text", text: "a" }]), chunk("x"), portal({ type: "turn_ended", turnId: "1", stopReason: "end_turn" }), prompt([{ type: "text", text: "b" }]), chunk("y")];
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
    applyEvents(state, [portal({ type: "status", status: "running" }), portal({ type: "turn_ended", turnId: "t", stopReason: "interrupted" }), portal({ type: "status", status: "restorable" })]);
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
      portal({ type: "limit_hit", limit: "memory", message: "out of memory: 2 GiB" }),
      agent({ sessionUpdate: "usage_update", used: 40, size: 1000, cost: { amount: 0.0004, currency: "USD" } }),
      { index: ++index, sender: "agent", createdAt: at, payload: "not an object" },
      agent({ sessionUpdate: "something_new" }),
    ]);
    expect(state.items.map((item) => (item.kind === "separator" ? item.text : item.kind === "setting" ? `${item.label}: ${item.value} by ${item.by}` : item.kind))).toEqual([
      "12 messages from the agent were lost in transit and could not be recovered.",
      "1 message could not be stored here (the database refused them).",
      "Restored after the runtime restarted: the agent was given the conversation so far.",
      "Mode: code by u1",
      "The sandbox stopped: out of memory: 2 GiB. The session continues on its next prompt.",
    ]);
    expect(state.usage).toEqual({ used: 40, size: 1000, cost: { amount: 0.0004, currency: "USD" } });
    expect(state.lastIndex).toBe(8);
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
});

import { describe, expect, it } from "vitest";
import { classifyRuntimeMessage, effectsFromConfigOptions, messagePartOf, promptText } from "@/lib/events/classify";
import { formatSeed, SEED_FOOTER, SEED_HEADER } from "@/lib/sessions/seed";

const update = (sessionUpdate: string, fields: object) => ({
  jsonrpc: "2.0",
  method: "session/update",
  params: { sessionId: "s", update: { sessionUpdate, ...fields } },
});

describe("classifyRuntimeMessage", () => {
  it("makes user prompts start a message, without the restored-history block", () => {
    const prompt = {
      jsonrpc: "2.0",
      id: 1,
      method: "session/prompt",
      params: {
        prompt: [
          { type: "text", text: "old", _meta: { portalSeed: true } },
          { type: "text", text: "new" },
        ],
      },
    };
    expect(classifyRuntimeMessage("client", prompt)).toEqual({ message: { role: "user", text: "new", startsNew: true } });
  });

  it("appends agent message chunks", () => {
    expect(classifyRuntimeMessage("agent", update("agent_message_chunk", { content: { type: "text", text: "hi" } }))).toEqual({
      message: { role: "agent", text: "hi", startsNew: false },
    });
  });

  it("maps usage, mode and config updates to session changes", () => {
    expect(classifyRuntimeMessage("agent", update("usage_update", { used: 10, size: 100, cost: { amount: 0.5, currency: "USD" } })).effects).toEqual({
      usage: { used: 10, size: 100, cost: { amount: 0.5, currency: "USD" } },
    });
    expect(classifyRuntimeMessage("agent", update("current_mode_update", { currentModeId: "code" })).effects).toEqual({ mode: "code" });
    const options = [
      { id: "model", category: "model", currentValue: "demo-large" },
      { id: "thought_level", category: "thought_level", currentValue: "high" },
    ];
    expect(classifyRuntimeMessage("agent", update("config_option_update", { configOptions: options })).effects).toEqual({
      configOptions: options,
      model: "demo-large",
      thoughtLevel: "high",
    });
  });

  it("says what a stored event adds to the merged messages, portal events included", () => {
    expect(messagePartOf("agent", update("agent_message_chunk", { content: { type: "text", text: "hi" } }))).toEqual({
      message: { role: "agent", text: "hi", startsNew: false },
    });
    expect(messagePartOf("portal", { type: "turn_ended", turnId: "t", stopReason: "end_turn" })).toEqual({ endsMessage: true });
    expect(messagePartOf("portal", { type: "restored", fromIndex: 3 })).toEqual({ endsMessage: true });
    expect(messagePartOf("portal", { type: "status", status: "idle" })).toEqual({});
    expect(messagePartOf("agent", update("usage_update", { used: 1 }))).toEqual({});
  });

  it("ignores what carries no meaning for the session", () => {
    expect(classifyRuntimeMessage("agent", { jsonrpc: "2.0", id: 3, result: { stopReason: "end_turn" } })).toEqual({});
    expect(classifyRuntimeMessage("agent", "garbage")).toEqual({});
    expect(classifyRuntimeMessage("client", update("agent_message_chunk", { content: { type: "text", text: "x" } }))).toEqual({});
  });

  it("reads only text blocks of a prompt", () => {
    expect(
      promptText([
        { type: "text", text: "a" },
        { type: "resource_link", uri: "file:///x" },
        { type: "text", text: "b" },
      ]),
    ).toBe("a\nb");
    expect(effectsFromConfigOptions([])).toEqual({ configOptions: [] });
  });
});

describe("formatSeed", () => {
  it("writes one labelled line per message, oldest first, framed", () => {
    const seed = formatSeed([
      { role: "user", text: "first\nprompt" },
      { role: "agent", text: "answer" },
    ]);
    expect(seed).toBe([SEED_HEADER, "User: first prompt", "Agent: answer", SEED_FOOTER].join("\n"));
  });

  it("keeps the newest messages when over budget and abbreviates long ones", () => {
    const messages = Array.from({ length: 100 }, (_, i) => ({ role: i % 2 ? "agent" : "user", text: `${i} ${"x".repeat(5_000)}` }));
    const seed = formatSeed(messages)!;
    expect(seed.length).toBeLessThan(26_000);
    expect(seed).toContain("Agent: 99 ");
    expect(seed).not.toContain("User: 0 ");
    expect(seed).toContain("[…]");
  });

  it("is null for an empty conversation", () => {
    expect(formatSeed([])).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { costOf } from "@/lib/gateway/prices";
import { UsageMeter } from "@/lib/gateway/usage-meter";

// The gateway reads token counts from answers as they stream past, split anywhere across chunks.

function meter(streamed: boolean, text: string, chunkSize = 7) {
  const reader = new UsageMeter(streamed);
  for (let at = 0; at < text.length; at += chunkSize) reader.push(Buffer.from(text.slice(at, at + chunkSize)));
  return reader.end();
}

const sse = (...events: object[]) => events.map((event) => `event: x\ndata: ${JSON.stringify(event)}\n\n`).join("");

describe("UsageMeter", () => {
  it("reads an Anthropic Messages stream: input and cache from message_start, output growing in message_delta", () => {
    const text = sse(
      {
        type: "message_start",
        message: {
          model: "claude-sonnet-4-5-20250929",
          usage: { input_tokens: 120, cache_read_input_tokens: 40, cache_creation_input_tokens: 10, output_tokens: 1 },
        },
      },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "usage is a word" } },
      { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 57 } },
      { type: "message_stop" },
    );
    for (const size of [1, 7, 1000]) {
      expect(meter(true, text, size)).toEqual({
        model: "claude-sonnet-4-5-20250929",
        inputTokens: 120,
        outputTokens: 57,
        cacheReadTokens: 40,
        cacheWriteTokens: 10,
      });
    }
  });

  it("reads an OpenAI Responses stream and a Chat Completions usage chunk", () => {
    const responses = sse(
      { type: "response.created", response: { model: "gpt-5-codex" } },
      { type: "response.output_text.delta", delta: "hi" },
      {
        type: "response.completed",
        response: { model: "gpt-5-codex", usage: { input_tokens: 900, input_tokens_details: { cached_tokens: 800 }, output_tokens: 30 } },
      },
    );
    expect(meter(true, responses)).toMatchObject({ model: "gpt-5-codex", inputTokens: 900, cacheReadTokens: 800, outputTokens: 30 });
    const chat = `data: ${JSON.stringify({ model: "gpt-4.1", choices: [{ delta: { content: "x" } }] })}\n\ndata: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 3 } })}\n\ndata: [DONE]\n\n`;
    expect(meter(true, chat)).toMatchObject({ model: "gpt-4.1", inputTokens: 12, outputTokens: 3 });
  });

  it("reads a whole JSON answer, and nothing from an error or garbage", () => {
    expect(meter(false, JSON.stringify({ model: "claude-haiku-4-5", usage: { input_tokens: 5, output_tokens: 6 } }))).toMatchObject({
      inputTokens: 5,
      outputTokens: 6,
    });
    expect(meter(false, "not json")).toEqual({ model: null, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(meter(true, "data: {broken\n\n")).toMatchObject({ inputTokens: 0 });
  });
});

describe("costOf", () => {
  it("prices known models by family, counting Anthropic's cache apart and OpenAI's inside input", () => {
    expect(costOf({ model: "claude-sonnet-4-5-20250929", inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBe(18);
    expect(costOf({ model: "gpt-5", inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 1_000_000, cacheWriteTokens: 0 })).toBe(0.125);
    expect(costOf({ model: "claude-opus-4-5-20251101", inputTokens: 0, outputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBe(25);
  });

  it("has no cost for a model it does not know", () => {
    expect(costOf({ model: "my-local-llama", inputTokens: 10, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBeNull();
    expect(costOf({ model: null, inputTokens: 10, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBeNull();
  });
});

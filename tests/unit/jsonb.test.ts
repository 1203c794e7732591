import { describe, expect, it } from "vitest";
import { toJsonb } from "@/lib/events/jsonb";

describe("toJsonb", () => {
  it("replaces NUL and lone surrogates, which PostgreSQL's jsonb refuses", () => {
    const text = `a\u0000b ${"\ud83d"} c ${"\ude00"} d`;
    const stored = toJsonb({ text });
    expect(JSON.parse(stored.json)).toEqual({ text: "a\ufffdb \ufffd c \ufffd d" });
    expect(stored.value).toEqual({ text: "a\ufffdb \ufffd c \ufffd d" });
  });

  it("keeps paired surrogates and text that only looks like an escape", () => {
    const payload = { emoji: "😀", literal: "\\u0000 and \\ud800", mixed: "\\\u0000" };
    expect(JSON.parse(toJsonb(payload).json)).toEqual({ emoji: "😀", literal: "\\u0000 and \\ud800", mixed: "\\\ufffd" });
    expect(toJsonb({ emoji: "😀", literal: "\\u0000" }).value).toEqual({ emoji: "😀", literal: "\\u0000" });
  });

  it("writes null for a missing payload", () => {
    expect(toJsonb(undefined)).toEqual({ json: "null", value: null });
  });
});

import { describe, expect, it } from "vitest";
import { frameParser } from "@/lib/runtime/observed-fetch";

describe("frameParser", () => {
  it("splits SSE frames across chunk boundaries and reads ids and data", () => {
    const parse = frameParser();
    const encoder = new TextEncoder();
    expect(parse(encoder.encode('id: 1\ndata: {"a":1}\n\nid: 2\nda'))).toEqual([{ id: 1, raw: 'id: 1\ndata: {"a":1}', data: '{"a":1}' }]);
    expect(parse(encoder.encode('ta: {"b":2}\r\n\r\n: ping\n\n'))).toEqual([
      { id: 2, raw: 'id: 2\ndata: {"b":2}', data: '{"b":2}' },
      { id: null, raw: ": ping", data: "" },
    ]);
  });
});

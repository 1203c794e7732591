import { describe, expect, it } from "vitest";
import { MergedMessages, SEARCH_TEXT_CAP, WRITE_EVERY_MS, type MessageEvent } from "@/lib/events/merged-messages";

const prompt = (sessionId: string, offset: number, text: string): MessageEvent => ({ sessionId, offset, message: { role: "user", text, startsNew: true } });
const chunk = (sessionId: string, offset: number, text: string): MessageEvent => ({ sessionId, offset, message: { role: "agent", text, startsNew: false } });
const end = (sessionId: string, offset: number): MessageEvent => ({ sessionId, offset, endsMessage: true });

describe("MergedMessages", () => {
  it("writes a prompt at once and a new agent message when it starts, keyed by the batch offset", () => {
    const merged = new MergedMessages();
    const plan = merged.plan([prompt("a", 1, "hello"), chunk("a", 2, "Hi "), chunk("a", 3, "there")], 0);
    expect(plan.rows).toEqual([
      { sessionId: "a", index: null, offset: 1, role: "user", text: "hello" },
      { sessionId: "a", index: null, offset: 2, role: "agent", text: "Hi there" },
    ]);
    plan.apply(new Map([["a", 11]]));
    // Continued in a later batch: the message now has its index (11 + 2 - 1) and is not due yet.
    const later = merged.plan([chunk("a", 1, "!")], 10);
    expect(later.rows).toEqual([]);
    later.apply(new Map([["a", 14]]));
    expect(merged.nextDueAt()).toBe(WRITE_EVERY_MS);
  });

  it("rewrites an open message at most once per interval, whole, and always when it ends", () => {
    const merged = new MergedMessages();
    merged.plan([chunk("a", 1, "one ")], 0).apply(new Map([["a", 1]]));
    const quiet = merged.plan([chunk("a", 1, "two ")], WRITE_EVERY_MS - 1);
    expect(quiet.rows).toEqual([]);
    quiet.apply(new Map([["a", 2]]));
    const due = merged.plan([chunk("a", 1, "three ")], WRITE_EVERY_MS);
    expect(due.rows).toEqual([{ sessionId: "a", index: 1, offset: null, role: "agent", text: "one two three " }]);
    due.apply(new Map([["a", 3]]));
    expect(merged.nextDueAt()).toBeNull();
    const ended = merged.plan([chunk("a", 1, "four"), end("a", 2)], WRITE_EVERY_MS + 1);
    expect(ended.rows).toEqual([{ sessionId: "a", index: 1, offset: null, role: "agent", text: "one two three four" }]);
    ended.apply(new Map([["a", 4]]));
    // The next agent text starts a new message.
    const next = merged.plan([chunk("a", 1, "again")], WRITE_EVERY_MS + 2);
    expect(next.rows).toEqual([{ sessionId: "a", index: null, offset: 1, role: "agent", text: "again" }]);
  });

  it("writes every unwritten text when asked to flush, also for sessions not in the batch", () => {
    const merged = new MergedMessages();
    merged.plan([chunk("a", 1, "x"), chunk("b", 1, "y")], 0).apply(
      new Map([
        ["a", 1],
        ["b", 1],
      ]),
    );
    merged.plan([chunk("a", 1, "x"), chunk("b", 1, "y")], 1).apply(
      new Map([
        ["a", 2],
        ["b", 2],
      ]),
    );
    const flush = merged.plan([], 2, { all: true });
    expect(flush.rows.map((row) => [row.sessionId, row.index, row.text])).toEqual([
      ["a", 1, "xx"],
      ["b", 1, "yy"],
    ]);
    flush.apply(new Map());
    expect(merged.nextDueAt()).toBeNull();
  });

  it("with ownOnly writes only the batch's own sessions, leaving another's due text due", () => {
    const merged = new MergedMessages();
    merged.plan([chunk("a", 1, "one ")], 0).apply(new Map([["a", 1]]));
    merged.plan([chunk("a", 1, "two")], 1).apply(new Map([["a", 2]]));
    const claim = merged.plan([prompt("b", 1, "hello")], WRITE_EVERY_MS, { ownOnly: true });
    expect(claim.rows.map((row) => [row.sessionId, row.text])).toEqual([["b", "hello"]]);
    claim.apply(new Map([["b", 1]]));
    expect(merged.nextDueAt()).toBe(WRITE_EVERY_MS);
  });

  it("changes nothing until a plan is applied, so a failed batch is planned again the same way", () => {
    const merged = new MergedMessages();
    merged.plan([chunk("a", 1, "lost?")], 0); // its commit failed: not applied
    const retry = merged.plan([chunk("a", 1, "lost?")], 0);
    expect(retry.rows).toEqual([{ sessionId: "a", index: null, offset: 1, role: "agent", text: "lost?" }]);
  });

  it("forgets the message of a session the batch did not store (a failed create)", () => {
    const merged = new MergedMessages();
    merged.plan([chunk("gone", 1, "text")], 0).apply(new Map());
    expect(merged.nextDueAt()).toBeNull();
  });

  it("caps the merged text and replaces NUL", () => {
    const merged = new MergedMessages();
    const plan = merged.plan([chunk("a", 1, "a\u0000b"), chunk("a", 2, "x".repeat(SEARCH_TEXT_CAP))], 0);
    expect(plan.rows[0]!.text.length).toBe(SEARCH_TEXT_CAP);
    expect(plan.rows[0]!.text.startsWith("a\uFFFDb")).toBe(true);
  });
});

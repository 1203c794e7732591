import { describe, expect, it } from "vitest";
import { splitMarkdownBlocks } from "@/components/session/markdown-blocks";

describe("splitMarkdownBlocks", () => {
  it("splits at blank lines", () => {
    expect(splitMarkdownBlocks("# Title\n\nSome text\nmore\n\n\n- a\n- b\n")).toEqual(["# Title", "Some text\nmore", "- a\n- b"]);
  });

  it("keeps a fenced code block with blank lines in one block, even before it closes", () => {
    const source = "Intro\n\n```ts\nconst a = 1;\n\nconst b = 2;\n```\n\nAfter";
    expect(splitMarkdownBlocks(source)).toEqual(["Intro", "```ts\nconst a = 1;\n\nconst b = 2;\n```", "After"]);
    expect(splitMarkdownBlocks("```\nopen\n\nstill code")).toEqual(["```\nopen\n\nstill code"]);
    expect(splitMarkdownBlocks("~~~\n```\n\n~~~\n\nx")).toEqual(["~~~\n```\n\n~~~", "x"]);
  });

  it("leaves earlier blocks unchanged as text streams in", () => {
    const full = "One\n\nTwo words\n\nThree";
    let previous: string[] = [];
    for (let end = 1; end <= full.length; end += 1) {
      const blocks = splitMarkdownBlocks(full.slice(0, end));
      expect(blocks.slice(0, previous.length - 1)).toEqual(previous.slice(0, previous.length - 1));
      previous = blocks;
    }
    expect(previous).toEqual(["One", "Two words", "Three"]);
  });

  it("returns nothing for empty text", () => {
    expect(splitMarkdownBlocks("")).toEqual([]);
    expect(splitMarkdownBlocks("\n\n")).toEqual([]);
  });
});

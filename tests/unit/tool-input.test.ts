import { describe, expect, it } from "vitest";
import { readableInput, restLines } from "@/components/session/tool-input";

// A permission card shows what it allows in the form a person reads, whatever the agent calls its fields.

describe("a tool call's input, readable", () => {
  it("shows a file write as its path and text (the demo agent, Claude Code's Write, OpenCode's write)", () => {
    expect(readableInput({ path: "demo.txt", content: "Hello from the demo agent\n" }, "edit")).toEqual({
      kind: "write",
      path: "demo.txt",
      content: "Hello from the demo agent\n",
      rest: {},
    });
    expect(readableInput({ file_path: "/w/a.ts", content: "x\ny" }, "edit")).toMatchObject({ kind: "write", path: "/w/a.ts", content: "x\ny" });
    expect(readableInput({ filePath: "b.md", content: "# B" }, "edit")).toMatchObject({ kind: "write", path: "b.md", content: "# B" });
  });

  it("shows an edit as the change of its file, and leaves out empty flags", () => {
    expect(readableInput({ file_path: "a.ts", old_string: "let a = 1;", new_string: "const a = 1;", replace_all: false }, "edit")).toEqual({
      kind: "edit",
      path: "a.ts",
      oldText: "let a = 1;",
      newText: "const a = 1;",
      rest: {},
    });
    expect(readableInput({ filePath: "a.ts", oldString: "x", newString: "y", replaceAll: true }, "edit")).toEqual({
      kind: "edit",
      path: "a.ts",
      oldText: "x",
      newText: "y",
      rest: { replaceAll: true },
    });
  });

  it("shows a command as its command line, with its description apart and the rest as short lines", () => {
    expect(readableInput({ command: "npm test -- --run", description: "Run the tests" }, "execute")).toEqual({
      kind: "command",
      command: "npm test -- --run",
      description: "Run the tests",
      rest: {},
    });
    // Codex: an argv, often a shell script.
    expect(readableInput({ command: ["bash", "-lc", "ls -la && cat 'a b'"], cwd: "/work" }, "execute")).toEqual({
      kind: "command",
      command: "ls -la && cat 'a b'",
      description: null,
      rest: { cwd: "/work" },
    });
    expect(readableInput({ command: ["git", "commit", "-m", "it's done"] }, "execute")).toMatchObject({ command: `git commit -m 'it'\\''s done'` });
    expect(restLines({ cwd: "/work", timeout: 120000, env: { A: "1" } })).toEqual(["cwd: /work", "timeout: 120000", 'env: {"A":"1"}']);
  });

  it("shows anything else as indented JSON, never with escaped line breaks in one line", () => {
    const other = readableInput({ pattern: "TODO", glob: "*.ts" }, "search");
    expect(other).toEqual({ kind: "json", text: '{\n  "pattern": "TODO",\n  "glob": "*.ts"\n}' });
    expect(readableInput("plain words", "other")).toEqual({ kind: "text", text: "plain words" });
    expect(readableInput([1, 2], "other")).toEqual({ kind: "json", text: "[\n  1,\n  2\n]" });
    // A path alone (a read) is not a write.
    expect(readableInput({ path: "demo.txt" }, "read")).toMatchObject({ kind: "json" });
  });
});

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveInWorkspace } from "@/lib/sandboxes/workspace-paths";

// Links resolved on a real directory as a bwrap workspace has them: the host's copy in a temp dir,
// seen by the sandbox as /workspace.

let host: string;
const resolve = (requested: string) => resolveInWorkspace({ hostWorkspace: host, workspace: "/workspace", requested });

beforeAll(() => {
  host = mkdtempSync(path.join(os.tmpdir(), "workspace-paths-"));
  mkdirSync(path.join(host, "docs/deep"), { recursive: true });
  writeFileSync(path.join(host, "docs/deep/readme.md"), "hi");
  writeFileSync(path.join(host, "notes.txt"), "notes");
  symlinkSync("/proc/1/environ", path.join(host, "l_env"));
  symlinkSync("..", path.join(host, "up"));
  symlinkSync("/etc", path.join(host, "etc"));
  symlinkSync("../../..", path.join(host, "docs/deep/climb"));
  symlinkSync("notes.txt", path.join(host, "same-dir"));
  symlinkSync("/workspace/docs", path.join(host, "docs-abs"));
  symlinkSync("deep/../deep/readme.md", path.join(host, "docs/readme-link"));
  symlinkSync("loop-b", path.join(host, "loop-a"));
  symlinkSync("loop-a", path.join(host, "loop-b"));
  symlinkSync("l_env", path.join(host, "chain"));
});

afterAll(() => rmSync(host, { recursive: true, force: true }));

describe("resolveInWorkspace", () => {
  it("refuses links out of the workspace: /proc/1/environ, .., an absolute path, a climb, a chain to one", () => {
    expect(resolve("l_env")).toBeNull();
    expect(resolve("up")).toBeNull();
    expect(resolve("up/notes.txt")).toBeNull();
    expect(resolve("etc/passwd")).toBeNull();
    expect(resolve("etc")).toBeNull();
    expect(resolve("docs/deep/climb")).toBeNull();
    expect(resolve("chain")).toBeNull();
  });

  it("follows links that stay inside, relative or absolute as the sandbox sees them", () => {
    expect(resolve("same-dir")).toBe("/workspace/notes.txt");
    expect(resolve("docs-abs/deep/readme.md")).toBe("/workspace/docs/deep/readme.md");
    expect(resolve("docs/readme-link")).toBe("/workspace/docs/deep/readme.md");
    expect(resolve("/workspace/docs/../notes.txt")).toBe("/workspace/notes.txt");
    expect(resolve(".")).toBe("/workspace");
  });

  it("answers null for what is missing, a loop of links, a path through a file, and anything lexically outside", () => {
    expect(resolve("missing.txt")).toBeNull();
    expect(resolve("loop-a")).toBeNull();
    expect(resolve("notes.txt/x")).toBeNull();
    expect(resolve("../etc/passwd")).toBeNull();
    expect(resolve("/etc/passwd")).toBeNull();
    expect(resolve("a\0b")).toBeNull();
  });
});

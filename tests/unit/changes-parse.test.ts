import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync, renameSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseChanges } from "@/lib/sandboxes/changes";
import { compareUrlOf } from "@/lib/sandboxes/push";
import { validBranchName } from "@/lib/sandboxes/git-names";

// parseChanges against what real git prints for each kind of change (the same flags as in the jail).

const dir = mkdtempSync(path.join(os.tmpdir(), "changes-parse-"));
const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: dir,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@t",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@t",
};
const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { env, encoding: "utf8" });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseChanges", () => {
  it("reads added, modified, deleted, renamed and binary files, odd names included", () => {
    git("init", "-q", "-b", "main");
    writeFileSync(path.join(dir, "keep.txt"), "a\nb\nc\n");
    writeFileSync(path.join(dir, "gone.txt"), "bye\n");
    writeFileSync(path.join(dir, "old name.txt"), "same\ncontent\nfor\nthe\nrename\n");
    writeFileSync(path.join(dir, "logo.bin"), Buffer.from([0, 1, 2, 3]));
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    const base = git("rev-parse", "HEAD").trim();
    writeFileSync(path.join(dir, "keep.txt"), "a\nB\nc\nd\n");
    unlinkSync(path.join(dir, "gone.txt"));
    renameSync(path.join(dir, "old name.txt"), path.join(dir, "new\tname ü.txt"));
    writeFileSync(path.join(dir, "logo.bin"), Buffer.from([0, 9, 9, 3, 0]));
    writeFileSync(path.join(dir, "added.txt"), "x\n");
    git("add", "-A");
    const diff = ["-c", "core.quotePath=false", "diff", "--cached", "--no-ext-diff", "--no-textconv", "--find-renames"];
    const items = parseChanges(git(...diff, "--name-status", "-z", base), git(...diff, "--numstat", "-z", base));
    expect(items).toEqual([
      { path: "added.txt", status: "added", additions: 1, deletions: 0, binary: false },
      { path: "gone.txt", status: "deleted", additions: 0, deletions: 1, binary: false },
      { path: "keep.txt", status: "modified", additions: 2, deletions: 1, binary: false },
      { path: "logo.bin", status: "modified", additions: 0, deletions: 0, binary: true },
      { path: "new\tname ü.txt", status: "renamed", oldPath: "old name.txt", additions: 0, deletions: 0, binary: false },
    ]);
  });

  it("takes garbage without throwing", () => {
    expect(parseChanges("Z\0\0\0R100\0only-old", "x\ty\0\0")).toEqual(expect.any(Array));
    expect(parseChanges("", "")).toEqual([]);
  });
});

describe("branch names and compare links", () => {
  it("accepts ordinary branch names and refuses what git or a shell would misread", () => {
    for (const name of ["main", "agent/notes", "feature/x-1.2", "a_b"]) expect(validBranchName(name)).toBe(true);
    for (const name of ["-x", "a..b", "a/.hidden", "a.lock", "/a", "a/", "a b", "a@{1}", "a//b", "", "x".repeat(201)])
      expect(validBranchName(name)).toBe(false);
  });

  it("links GitHub-style compare pages for https remotes only", () => {
    expect(compareUrlOf("https://github.com/acme/app.git", "main", "agent/notes")).toBe("https://github.com/acme/app/compare/main...agent%2Fnotes");
    expect(compareUrlOf("http://127.0.0.1:9/demo.git", "main", "x")).toBeNull();
    expect(compareUrlOf("git@github.com:acme/app.git", "main", "x")).toBe("https://github.com/acme/app/compare/main...x");
    expect(compareUrlOf("ssh://git@gitlab.example/acme/app.git", "main", "x")).toBe("https://gitlab.example/acme/app/compare/main...x");
    expect(compareUrlOf("ssh://git@127.0.0.1:2222/demo.git", "main", "x")).toBeNull();
  });
});

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sweepSpares } from "@/lib/sandboxes/limits";

// Spare disk images are made ahead per size; those of another size and half-made ones of a process
// that died are removed the first time a process makes a spare in a sandboxes root.

const MiB = 1024 ** 2;
let root = "";
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("sweepSpares", () => {
  it("removes spares of another size and half-made ones of dead processes, and keeps the rest", () => {
    root = mkdtempSync(path.join(os.tmpdir(), "spares-"));
    // A pid that surely ended: a child that already exited.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const files = {
      current: `.spare-disk-${64 * MiB}.img`,
      otherSize: `.spare-disk-${32 * MiB}.img`,
      deadMaker: `.spare-disk-${64 * MiB}.img.${dead}.new`,
      liveMaker: `.spare-disk-${64 * MiB}.img.${process.ppid}.new`,
      sandbox: "0b5c5a9e-6a43-4f4e-9a53-0d2b3c4d5e6f.img",
    };
    for (const name of Object.values(files)) writeFileSync(path.join(root, name), "");
    sweepSpares(root, 64 * MiB);
    expect(readdirSync(root).sort()).toEqual([files.current, files.liveMaker, files.sandbox].sort());
    // Once per root and process: a spare of another size made later by another instance stays.
    writeFileSync(path.join(root, files.otherSize), "");
    sweepSpares(root, 64 * MiB);
    expect(existsSync(path.join(root, files.otherSize))).toBe(true);
  });
});

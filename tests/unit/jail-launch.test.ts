import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sandboxDirs, type SandboxDirs } from "@/lib/sandboxes/layout";
import { limitsEnforcement, removeSandboxLimits } from "@/lib/sandboxes/limits";
import { bwrapLauncher, type JailSettings } from "@/lib/sandboxes/providers/bwrap";

// A bwrap launch that fails after its limits made the jail's cgroup, before the jail is spawned,
// lets go of that cgroup: no jail's exit would remove it. Real cgroups, as root.

const asRoot = process.getuid?.() === 0;
// A 32 MiB disk image (the smallest allowed): quick to make.
process.env.PORTAL_SANDBOX_DISK = "32m";
let root = "";
afterEach(() => {
  if (!root) return;
  // The sandbox's disk (a mount that is its own for its life) and whatever a failing run left.
  removeSandboxLimits(path.join(root, "a"));
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const mountPoint = line.split(" ")[4] ?? "";
    if (mountPoint.startsWith(`${root}/`)) spawnSync("umount", ["--lazy", mountPoint]);
  }
  rmSync(root, { recursive: true, force: true });
  root = "";
});

/** A sandboxes root of the test's own, and one sandbox's directories in it. */
function sandbox(): SandboxDirs {
  root = mkdtempSync(path.join(os.tmpdir(), "jail-launch-"));
  chmodSync(root, 0o711);
  return sandboxDirs(root, "a");
}

/** The jail's cgroup directories in every hierarchy the host gives the portal (named as lib/sandboxes/limits.ts names them). */
function cgroupDirsOf(dirs: SandboxDirs): string[] {
  const name = `sandbox-${createHash("sha256").update(path.resolve(dirs.root)).digest("hex").slice(0, 16)}`;
  const how = limitsEnforcement();
  if (how.kind === "cgroup2") return [path.join(how.parent, name)];
  if (how.kind === "cgroup1") return [how.memory, how.pids, ...(how.cpu ? [how.cpu] : [])].map((parent) => path.join(parent, name));
  return [];
}

function launcherFor(dirs: SandboxDirs, jail: Partial<JailSettings> = {}) {
  const settings: JailSettings = { network: "none", openGateway: async () => false, ...jail };
  return bwrapLauncher("jail-launch-test", dirs, null, settings, { sandboxId: "jail-launch-test", onHit: () => undefined });
}

describe.runIf(asRoot)("a bwrap launch that never spawns its jail", () => {
  it("removes the cgroup its limits made when installing the agent binaries throws", async () => {
    const dirs = sandbox();
    // A file where the agent binaries' directory goes: installing them fails (EEXIST), as a full or broken disk would.
    writeFileSync(dirs.opt, "");
    await expect(launcherFor(dirs).launch()).rejects.toThrow(/EEXIST|ENOTDIR/);
    const cgroups = cgroupDirsOf(dirs);
    // A host with no cgroup for the jail (rlimits) could not fail this test.
    expect(cgroups.length).toBeGreaterThan(0);
    expect(cgroups.filter((dir) => existsSync(dir))).toEqual([]);
    // The disk was prepared meanwhile and stays mounted, the sandbox's as after any run (removed with its files).
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toContain(` ${dirs.root} `);
  });

  it("removes it when a later step before the spawn throws (the gateway could not open)", async () => {
    const dirs = sandbox();
    let madeBefore: string[] = [];
    const launch = launcherFor(dirs, {
      openGateway: async () => {
        // The limits are prepared by now: the cgroup exists.
        madeBefore = cgroupDirsOf(dirs).filter((dir) => existsSync(dir));
        throw new Error("the gateway could not open");
      },
    }).launch();
    await expect(launch).rejects.toThrow("the gateway could not open");
    expect(madeBefore.length).toBeGreaterThan(0);
    expect(madeBefore.filter((dir) => existsSync(dir))).toEqual([]);
  });
});

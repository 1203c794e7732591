import { spawn, spawnSync } from "node:child_process";
import fs, { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ensureSandboxDisk, makeSpareDisk, releaseSpareDisks, sweepSpares } from "@/lib/sandboxes/limits";
import { until } from "./support/until";

// Spare disk images are made ahead per size; those of another size and half-made ones of a process
// that died are removed the first time a process makes a spare in a sandboxes root. As root, the
// spare is mounted ahead in a staging directory of the process's own and moved onto the next new
// sandbox's directory; a process's mounted spares go when it exits, and those of one that was killed
// are unmounted by the next sweep.

const MiB = 1024 ** 2;
const asRoot = process.getuid?.() === 0;
let root = "";
afterEach(() => {
  releaseSpareDisks();
  if (root) unmountUnder(root);
  rmSync(root, { recursive: true, force: true });
});

/** The mount points below dir, deepest first, with their mountinfo lines. */
function mountsUnder(dir: string): Array<{ mountPoint: string; line: string }> {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .trim()
    .split("\n")
    .map((line) => ({ mountPoint: line.split(" ")[4] ?? "", line }))
    .filter(({ mountPoint }) => mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}

function unmountUnder(dir: string) {
  for (const { mountPoint } of mountsUnder(dir)) spawnSync("umount", ["--lazy", mountPoint]);
}

/** The loop devices backed by a file (losetup -j): none once it is unmounted for good. */
function loopDevicesOf(file: string): string {
  return spawnSync("losetup", ["-j", file], { encoding: "utf8" }).stdout.trim();
}

function sandboxesRoot(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "spares-"));
  chmodSync(dir, 0o711);
  return dir;
}

describe("sweepSpares", () => {
  it("removes spares of another size and half-made ones of dead processes, and keeps the rest", () => {
    root = mkdtempSync(path.join(os.tmpdir(), "spares-"));
    // A pid that surely ended: a child that already exited.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const files = {
      current: `.spare-disk-${64 * MiB}.img`,
      otherSize: `.spare-disk-${32 * MiB}.img`,
      deadMaker: `.spare-disk-${64 * MiB}.img.${dead}.new`,
      deadMakers: `.spare-disk-${64 * MiB}.img.${dead}`,
      liveMaker: `.spare-disk-${64 * MiB}.img.${process.ppid}`,
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

describe.runIf(asRoot)("mounted spare disks", () => {
  it("are mounted ahead where no sandbox's uid reaches them, moved onto the next new sandbox, and unmounted on release", async () => {
    root = sandboxesRoot();
    const bytes = 32 * MiB;
    const staging = path.join(root, `.spare-disks.${process.pid}`);
    const spareMount = path.join(staging, String(bytes));
    const spareImage = path.join(root, `.spare-disk-${bytes}.img.${process.pid}`);

    expect(await ensureSandboxDisk(path.join(root, "first"), bytes)).toBe(true);
    // What a jail's start does once its runtime has answered (lib/sandboxes/limits.ts, started).
    await makeSpareDisk(root, bytes);
    expect(mountsUnder(root).map(({ mountPoint }) => mountPoint)).toContain(spareMount);
    // Root's alone: no other uid can even list the staging directory, and nothing there propagates.
    expect(statSync(staging).mode & 0o777).toBe(0o700);
    expect(statSync(staging).uid).toBe(0);
    expect(spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "ls", staging]).status).not.toBe(0);
    expect(mountsUnder(root).find(({ mountPoint }) => mountPoint === staging)?.line).not.toMatch(/ shared:/);
    expect(statSync(spareImage).mode & 0o777).toBe(0o600);
    expect(statSync(spareImage).size).toBe(bytes);
    const spareInode = statSync(spareImage).ino;

    // The next sandbox gets that very image, already mounted: the spare's mount is now its directory's.
    const next = path.join(root, "next");
    expect(await ensureSandboxDisk(next, bytes)).toBe(true);
    expect(statSync(`${next}.img`).ino).toBe(spareInode);
    expect(loopDevicesOf(`${next}.img`)).not.toBe("");
    const mounts = mountsUnder(root).map(({ mountPoint }) => mountPoint);
    expect(mounts).toContain(next);
    expect(statSync(next).mode & 0o777).toBe(0o711);
    expect(readdirSync(next)).toEqual(["lost+found"]);

    // Another spare is made for the one after; released (the portal stopping), nothing stays mounted
    // and its image is left, unmounted, for the next process to take instead of a mkfs.
    await makeSpareDisk(root, bytes);
    expect(mountsUnder(root).map(({ mountPoint }) => mountPoint)).toContain(spareMount);
    const nextSpareInode = statSync(spareImage).ino;
    releaseSpareDisks();
    expect(mountsUnder(root).map(({ mountPoint }) => mountPoint)).toEqual([next, path.join(root, "first")].sort((a, b) => b.length - a.length));
    expect(existsSync(staging)).toBe(false);
    expect(existsSync(spareImage)).toBe(false);
    const left = path.join(root, `.spare-disk-${bytes}.img`);
    expect(statSync(left).ino).toBe(nextSpareInode);
    expect(loopDevicesOf(left)).toBe("");
  });

  it("released while one is being made: that one undoes itself, none starts beside it, and the next is whole", async () => {
    root = sandboxesRoot();
    const bytes = 32 * MiB;
    const first = path.join(root, "first");
    expect(await ensureSandboxDisk(first, bytes)).toBe(true);
    const cutShort = makeSpareDisk(root, bytes);
    releaseSpareDisks();
    // Asked again before the first has undone itself: it would make its image and mount on the same paths.
    const meanwhile = makeSpareDisk(root, bytes);
    await Promise.all([cutShort, meanwhile]);
    expect(mountsUnder(root).map(({ mountPoint }) => mountPoint)).toEqual([first]);

    await makeSpareDisk(root, bytes);
    const next = path.join(root, "next");
    expect(await ensureSandboxDisk(next, bytes)).toBe(true);
    expect(mountsUnder(root).map(({ mountPoint }) => mountPoint)).toContain(next);
    expect(readdirSync(next)).toEqual(["lost+found"]);
  });

  it("taken by a start while another sandbox asks for the next: that one waits for the move, and both are whole", async () => {
    root = sandboxesRoot();
    const bytes = 32 * MiB;
    expect(await ensureSandboxDisk(path.join(root, "first"), bytes)).toBe(true);
    await makeSpareDisk(root, bytes);
    const next = path.join(root, "next");
    // The portal's log lines (synchronous writes to fd 1): a move undone or a spare failed says so there.
    const logged: string[] = [];
    const writes = vi.spyOn(fs, "writeSync").mockImplementation((_fd: number, data: string | NodeJS.ArrayBufferView) => {
      logged.push(String(data));
      return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    });
    const taking = ensureSandboxDisk(next, bytes);
    // Another jail's runtime answers while the move is under way: its next spare is the same paths.
    const following = makeSpareDisk(root, bytes);
    try {
      expect(await taking).toBe(true);
      await following;
    } finally {
      writes.mockRestore();
    }
    expect(logged.filter((line) => line.includes("spare disk"))).toEqual([]);
    expect(readdirSync(next)).toEqual(["lost+found"]);
    expect(loopDevicesOf(`${next}.img`)).not.toBe("");
    // Made after the move, not beside it: the one after gets a spare of its own.
    await makeSpareDisk(root, bytes);
    expect(mountsUnder(root).map(({ mountPoint }) => mountPoint)).toContain(path.join(root, `.spare-disks.${process.pid}`, String(bytes)));
    const after = path.join(root, "after");
    expect(await ensureSandboxDisk(after, bytes)).toBe(true);
    expect(readdirSync(after)).toEqual(["lost+found"]);
  });

  it("of a portal that was killed are unmounted and removed by the next sweep", async () => {
    root = sandboxesRoot();
    const bytes = 32 * MiB;
    // A process that makes a sandbox's disk (and so a spare) and is then killed, as a crash would.
    const maker = spawn(
      process.execPath,
      [
        "--conditions=react-server",
        "--import",
        "tsx",
        "-e",
        `import("@/lib/sandboxes/limits").then((m) => m.ensureSandboxDisk(${JSON.stringify(path.join(root, "first"))}, ${bytes}).then((mounted) => mounted && m.makeSpareDisk(${JSON.stringify(root)}, ${bytes}))); setInterval(() => undefined, 1000);`,
      ],
      { cwd: process.cwd(), stdio: "ignore" },
    );
    const staging = path.join(root, `.spare-disks.${maker.pid}`);
    const spareImage = path.join(root, `.spare-disk-${bytes}.img.${maker.pid}`);
    try {
      await until(
        () => mountsUnder(root).map(({ mountPoint }) => mountPoint),
        (mounts) => mounts.includes(path.join(staging, String(bytes))),
        30_000,
      );
    } finally {
      const exited = new Promise((resolve) => maker.once("exit", resolve));
      maker.kill("SIGKILL");
      await exited;
    }
    expect(loopDevicesOf(spareImage)).not.toBe("");

    sweepSpares(root, bytes);
    expect(spawnSync("losetup", ["--list", "--noheadings", "--output", "BACK-FILE"], { encoding: "utf8" }).stdout).not.toContain(spareImage);
    expect(mountsUnder(root).map(({ mountPoint }) => mountPoint)).toEqual([path.join(root, "first")]);
    expect(existsSync(staging)).toBe(false);
    expect(existsSync(spareImage)).toBe(false);
    // The sandbox's own image stays (it is a sandbox's disk, not a spare).
    expect(existsSync(path.join(root, "first.img"))).toBe(true);
  });
});

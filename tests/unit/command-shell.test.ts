import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isProcessAlive } from "@/lib/process-utils";
import { CommandShell } from "@/lib/sandboxes/command-shell";
import { until } from "./support/until";

// The small shell that runs the portal's short root commands (mounts of spare disks) without a
// fork of the portal: commands in order, each answered with its failure, and the shell gone with
// the process that started it, however that process ends.

/** The pids whose environment holds `text`. */
function pidsWithEnvironment(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8").includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("CommandShell", () => {
  it("gives a command nothing to read: the commands queued after it still run", async () => {
    const shell = new CommandShell();
    // Like mkfs asking whether to proceed: a command that reads a line finds none, not the next command.
    const [asked, next] = await Promise.allSettled([shell.run(["sh", "-c", 'read answer; test -z "$answer"']), shell.run(["true"])]);
    expect(asked.status).toBe("fulfilled");
    expect(next.status).toBe("fulfilled");
  });

  it("runs its commands one after another, in order, and answers each", async () => {
    const shell = new CommandShell();
    const order: string[] = [];
    // The first takes longest: queued, the second still waits for it.
    await Promise.all([shell.run(["sleep", "0.2"]).then(() => order.push("sleep")), shell.run(["true"]).then(() => order.push("true"))]);
    expect(order).toEqual(["sleep", "true"]);
  });

  it("rejects a failed command with its status and stderr, and runs the next one", async () => {
    const shell = new CommandShell();
    await expect(shell.run(["ls", "/no such dir"])).rejects.toThrow(/^ls failed \(2\): ls: cannot access '\/no such dir'/);
    await expect(shell.run(["sh", "-c", "echo one >&2; echo two >&2; exit 3"])).rejects.toThrow("sh failed (3): one two");
    await expect(shell.run(["no-such-command"])).rejects.toThrow(/no-such-command failed \(127\)/);
    await expect(shell.run(["true"])).resolves.toBeUndefined();
  });

  it("refuses arguments it could not pass on whole", async () => {
    const shell = new CommandShell();
    await expect(shell.run(["echo", "a\tb"])).rejects.toThrow("not a command the shell can pass on");
    await expect(shell.run(["echo", "a\nb"])).rejects.toThrow("not a command the shell can pass on");
    await expect(shell.run(["echo", ""])).rejects.toThrow("not a command the shell can pass on");
  });

  it("passes none of the portal's environment on", async () => {
    process.env.COMMAND_SHELL_TEST_SECRET = "s3cr3t";
    try {
      const shell = new CommandShell();
      await expect(shell.run(["sh", "-c", 'test -z "$COMMAND_SHELL_TEST_SECRET"'])).resolves.toBeUndefined();
    } finally {
      delete process.env.COMMAND_SHELL_TEST_SECRET;
    }
  });

  it("rejects what waits when it cannot start", async () => {
    const shell = new CommandShell({ prefix: ["/no/such/program"] });
    await expect(shell.run(["true"])).rejects.toThrow("the command shell ended before true did");
  });

  it("kills a command past its deadline with its shell, rejects it in time, and runs the next in a fresh shell", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "command-shell-"));
    try {
      const shell = new CommandShell({ timeoutMs: 500 });
      const pidFile = path.join(dir, "pids");
      const startedAt = Date.now();
      // A hung mount, as far as the shell can tell: it writes its pid and process group (the shell's), then sleeps on.
      const hung = shell.run(["sh", "-c", 'read -r _ _ _ _ group _ < /proc/$$/stat; echo "$$ $group" > "$0"; exec sleep 30', pidFile]);
      const queued = shell.run(["true"]);
      await expect(hung).rejects.toThrow("sh did not finish within 500 ms: killed, with its command shell");
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      // What was queued behind it never ran in the killed shell: rejected, not left waiting.
      await expect(queued).rejects.toThrow("the command shell ended before true did");
      const [sleepPid, shellPid] = readFileSync(pidFile, "utf8").trim().split(" ").map(Number);
      expect(shellPid).not.toBe(sleepPid);
      await until(
        () => [sleepPid!, shellPid!].filter(isProcessAlive),
        (alive) => alive.length === 0,
        5_000,
      );
      await expect(shell.run(["sh", "-c", "exit 0"])).resolves.toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("counts a command's deadline from its own start, not from its wait behind the one before", async () => {
    const shell = new CommandShell({ timeoutMs: 1_000 });
    // Each takes 0.6 s, both together more than the deadline.
    await expect(Promise.all([shell.run(["sleep", "0.6"]), shell.run(["sleep", "0.6"])])).resolves.toEqual([undefined, undefined]);
  });

  it("ends with the process that started it, even one killed outright", async () => {
    const marker = `command-shell-test-${process.pid}-${Date.now()}`;
    // A process that starts a shell and then lives on, as the portal does; the marker is in its shell's environment.
    const owner = spawn(
      process.execPath,
      [
        "--conditions=react-server",
        "--import",
        "tsx",
        "-e",
        `import("@/lib/sandboxes/command-shell").then((m) => new m.CommandShell({ prefix: ["env", ${JSON.stringify(`MARKER=${marker}`)}] }).run(["true"])).then(() => console.log("ran")); setInterval(() => undefined, 1000);`,
      ],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        owner.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ran") && resolve());
        owner.once("exit", () => reject(new Error("the owner exited")));
      });
      const [shellPid] = pidsWithEnvironment(marker);
      expect(shellPid).toBeDefined();
      owner.kill("SIGKILL");
      await until(
        () => isProcessAlive(shellPid!),
        (alive) => !alive,
      );
    } finally {
      owner.kill("SIGKILL");
    }
  }, 30_000);
});

import "server-only";
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Socket } from "node:net";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

// Short root commands (a mount moved, a spare disk made) run by a small shell started once, not by
// Node: each fork of the portal's own large process costs 10–20 ms and holds the event loop that
// long, which was most of what its limits added to a new sandbox's start. The shell runs the
// commands it reads on its stdin one at a time, in order, and answers each on its stdout with the
// exit status and stderr; it reads until that stdin closes, so it ends with the portal however the
// portal ends (after the command under way, if any). A command past its deadline (a hung mount or mkfs) is
// killed with the shell, so it never holds the commands after it. Its commands take paths and options only,
// never a secret: their arguments are in their argv, which every process on the host can read.

// A command a line, its arguments separated by tabs; the answer a line: status, tab, stderr on one line.
// A command reads nothing: the shell's stdin is the next commands (mkfs asking to proceed would eat them).
const SCRIPT = `tab=$(printf '\\t'); IFS=$tab; set -f
while IFS= read -r line; do
  set -- $line
  err=$("$@" 2>&1 >/dev/null </dev/null); status=$?
  if [ -n "$err" ]; then err=$(printf '%s' "$err" | tr '\\t\\n' '  ' | cut -c 1-500); fi
  printf '%s\\t%s\\n' "$status" "$err"
done`;

type Shell = ChildProcessByStdio<Writable, Readable, null>;

interface Waiting {
  command: string;
  resolve(): void;
  reject(error: Error): void;
}

/** A started shell and the commands written to it, answered in order; `deadline` is the first one's. */
interface Running {
  process: Shell;
  waiting: Waiting[];
  deadline: NodeJS.Timeout | null;
}

export class CommandShell {
  private shell: Running | null = null;
  private readonly prefix: string[];
  private readonly timeoutMs: number;

  /**
   * `prefix`: what the shell itself runs under (`nice -n 19`: so do all its commands). `timeoutMs`: how long
   * one command may run (its wait behind earlier ones not counted) before it is killed with the shell.
   */
  constructor({ prefix = [], timeoutMs = 60_000 }: { prefix?: string[]; timeoutMs?: number } = {}) {
    this.prefix = prefix;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Runs `argv` (no empty argument, no tab or newline in any) after the commands before it; rejects with its stderr when it
   * fails, and when it outlives its deadline (then the shell is killed with it, and the next command starts a fresh one).
   */
  run(argv: string[]): Promise<void> {
    if (argv.length === 0 || argv.some((arg) => arg === "" || /[\t\n]/.test(arg))) {
      return Promise.reject(new Error(`not a command the shell can pass on: ${JSON.stringify(argv)}`));
    }
    return new Promise((resolve, reject) => {
      const shell = this.started();
      shell.waiting.push({ command: argv[0]!, resolve, reject });
      if (shell.waiting.length === 1) this.armDeadline(shell);
      // Kept alive while a command is under way; idle, the shell holds no portal (or test) open.
      (shell.process.stdout as Socket).ref();
      shell.process.stdin.write(`${argv.join("\t")}\n`);
    });
  }

  /** Starts the shell if it is not yet: at a quiet moment, so a start never pays for that fork. */
  start(): void {
    this.started();
  }

  private started(): Running {
    if (this.shell) return this.shell;
    const [command = "sh", ...args] = [...this.prefix, "sh", "-c", SCRIPT, "command-shell"];
    // Its own session: a terminal's Ctrl+C does not cut a command short, and a command past its deadline is
    // killed with its process group. The portal's exit closes its stdin.
    // Nothing of the portal's environment (its secrets): a path, and the C locale for its messages.
    const environment: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };
    const child: Shell = spawn(/*turbopackIgnore: true*/ command, args, {
      stdio: ["pipe", "pipe", "ignore"],
      detached: true,
      env: environment as NodeJS.ProcessEnv,
    });
    child.on("error", () => undefined); // reported by 'close' (a failed spawn emits it too)
    // Out of file descriptors, spawn returns a process with no pipes: no shell, and the next run tries again.
    if (!child.stdin || !child.stdout) throw new Error("the command shell could not start");
    const shell: Running = { process: child, waiting: [], deadline: null };
    this.shell = shell;
    child.unref();
    (child.stdin as unknown as Socket).unref();
    (child.stdout as Socket).unref();
    child.stdin.on("error", () => undefined); // it died: 'close' rejects what waits
    createInterface({ input: child.stdout }).on("line", (line) => {
      // None waits once the shell was killed past a deadline: a late answer is dropped.
      const done = shell.waiting.shift();
      if (!done) return;
      this.armDeadline(shell);
      const [status = "", stderr = ""] = line.split("\t");
      if (status === "0") done.resolve();
      else done.reject(new Error(`${done.command} failed (${status})${stderr ? `: ${stderr}` : ""}`));
    });
    child.on("close", () => this.end(shell));
    return shell;
  }

  /** The deadline of the command the shell runs now (the first that waits), none when idle. */
  private armDeadline(shell: Running) {
    if (shell.deadline) clearTimeout(shell.deadline);
    shell.deadline = null;
    const running = shell.waiting[0];
    if (!running) {
      (shell.process.stdout as Socket).unref();
      return;
    }
    shell.deadline = setTimeout(() => {
      const seconds = this.timeoutMs >= 1000 ? `${this.timeoutMs / 1000} s` : `${this.timeoutMs} ms`;
      this.end(shell, new Error(`${running.command} did not finish within ${seconds}: killed, with its command shell`));
    }, this.timeoutMs);
    shell.deadline.unref();
  }

  /** The shell is done for (it ended, or is killed now for `timedOut`): what waits is rejected, the next run starts another. */
  private end(shell: Running, timedOut?: Error) {
    if (this.shell === shell) this.shell = null;
    if (shell.deadline) clearTimeout(shell.deadline);
    shell.deadline = null;
    const waiting = shell.waiting.splice(0);
    (shell.process.stdout as Socket).unref();
    if (timedOut) {
      try {
        // Its own process group (detached): the shell and whatever it runs, a mount or mkfs's children too.
        if (shell.process.pid) process.kill(-shell.process.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
      waiting.shift()?.reject(timedOut);
    }
    for (const done of waiting) done.reject(new Error(`the command shell ended before ${done.command} did`));
  }
}

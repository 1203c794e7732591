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
// portal ends (after the command under way, if any). Its commands take paths and options only,
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

export class CommandShell {
  private shell: Shell | null = null;
  private readonly waiting: Waiting[] = [];

  /** `prefix`: what the shell itself runs under (`nice -n 19`: so do all its commands). */
  constructor(private readonly prefix: string[] = []) {}

  /** Runs `argv` (no empty argument, no tab or newline in any) after the commands before it; rejects with its stderr when it fails. */
  run(argv: string[]): Promise<void> {
    if (argv.length === 0 || argv.some((arg) => arg === "" || /[\t\n]/.test(arg))) {
      return Promise.reject(new Error(`not a command the shell can pass on: ${JSON.stringify(argv)}`));
    }
    return new Promise((resolve, reject) => {
      const shell = this.start();
      this.waiting.push({ command: argv[0]!, resolve, reject });
      // Kept alive while a command is under way; idle, the shell holds no portal (or test) open.
      (shell.stdout as Socket).ref();
      shell.stdin.write(`${argv.join("\t")}\n`);
    });
  }

  /** The shell, started now if it is not yet: at a quiet moment, so a start never pays for that fork. */
  start(): Shell {
    if (this.shell) return this.shell;
    const [command = "sh", ...args] = [...this.prefix, "sh", "-c", SCRIPT, "command-shell"];
    // Its own session: a terminal's Ctrl+C does not cut a command short; the portal's exit closes its stdin.
    // Nothing of the portal's environment (its secrets): a path, and the C locale for its messages.
    const environment: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };
    const shell: Shell = spawn(command, args, { stdio: ["pipe", "pipe", "ignore"], detached: true, env: environment as NodeJS.ProcessEnv });
    shell.on("error", () => undefined); // reported by 'close' (a failed spawn emits it too)
    // Out of file descriptors, spawn returns a process with no pipes: no shell, and the next run tries again.
    if (!shell.stdin || !shell.stdout) throw new Error("the command shell could not start");
    this.shell = shell;
    shell.unref();
    (shell.stdin as unknown as Socket).unref();
    (shell.stdout as Socket).unref();
    shell.stdin.on("error", () => undefined); // it died: 'exit' rejects what waits
    createInterface({ input: shell.stdout }).on("line", (line) => {
      const done = this.waiting.shift();
      if (this.waiting.length === 0) (shell.stdout as Socket).unref();
      if (!done) return;
      const [status = "", stderr = ""] = line.split("\t");
      if (status === "0") done.resolve();
      else done.reject(new Error(`${done.command} failed (${status})${stderr ? `: ${stderr}` : ""}`));
    });
    shell.on("close", () => {
      if (this.shell === shell) this.shell = null;
      for (const done of this.waiting.splice(0)) done.reject(new Error(`the command shell ended before ${done.command} did`));
    });
    return shell;
  }
}

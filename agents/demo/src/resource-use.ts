import { spawn, type ChildProcess } from "node:child_process";
import { open } from "node:fs/promises";
import path from "node:path";

// What a runaway agent does to the machine it runs on, bounded so that each does only what it says:
// /forkbomb starts at most N idle processes and kills them all before answering, /alloc holds MB in
// one child process that exits at once, /fill writes at most MB into one file. A sandbox's limits
// stop them earlier (lib/sandboxes/limits.ts in the portal); each answer says how far it got.

export const MAX_FORKS = 100_000;
export const MAX_ALLOC_MB = 65_536;
export const MAX_FILL_MB = 1_048_576;
const CHUNK = Buffer.alloc(1024 * 1024);

/** Starts up to `count` `sleep` processes, one after another, until one fails to start; then kills them all. */
export async function forkMany(count: number, signal: AbortSignal): Promise<string> {
  const children: ChildProcess[] = [];
  let failure: string | null = null;
  try {
    while (children.length < count && !signal.aborted) {
      const child = spawn("sleep", ["60"], { stdio: "ignore" });
      const started = await new Promise<string | null>((resolve) => {
        child.once("spawn", () => resolve(null));
        child.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      });
      if (started !== null) {
        failure = started;
        break;
      }
      children.push(child);
    }
  } finally {
    for (const child of children) child.kill("SIGKILL");
  }
  return `forkbomb: started ${children.length} of ${count} processes${failure ? `, then ${failure}` : ""}`;
}

/** Allocates and touches `mb` MiB in a child process (as a tool an agent runs would), which then exits. */
export async function allocate(mb: number): Promise<string> {
  // Every page written, so the memory is really taken; 16 MiB at a time.
  const program = `const held=[];for(let i=0;i<${mb};i+=16){held.push(Buffer.alloc(Math.min(16,${mb}-i)*1048576,1))}`;
  const child = spawn(process.execPath, ["-e", program], { stdio: "ignore" });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once("exit", (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    child.once("error", () => resolve([null, null]));
  });
  if (code === 0) return `alloc: allocated ${mb} MiB`;
  return `alloc: ${mb} MiB failed (${signal ?? `exit code ${code}`})`;
}

/** Writes `mb` MiB of zeros to `target` (relative to `cwd`), stopping at the first failed write. */
export async function fill(cwd: string, target: string, mb: number, signal: AbortSignal): Promise<string> {
  let written = 0;
  let handle;
  try {
    handle = await open(path.resolve(cwd, target), "w");
    while (written < mb && !signal.aborted) {
      await handle.write(CHUNK);
      written++;
    }
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code ?? "error";
    return `fill ${target}: wrote ${written} MiB, then ${code}`;
  } finally {
    await handle?.close().catch(() => undefined);
  }
  return `fill ${target}: wrote ${written} MiB`;
}

import { readdirSync, readFileSync } from "node:fs";

// CPU time spent by the processes doing the work, from /proc (Linux). On a shared 2-core machine
// wall-clock rates move with whatever else runs; CPU time per event moves much less.

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function read(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** utime + stime of one process, in ms (0 when it is gone). */
function cpuMsOf(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function parentOf(pid: number): number | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** A process and all its descendants (e.g. the portal, its runtime and the agent processes). */
export function processTree(root: number): number[] {
  const pids = allPids();
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const parent = parentOf(pid);
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** PostgreSQL backends serving one database (their process title names it). */
export function databaseBackends(database: string): number[] {
  return allPids().filter((pid) => {
    const cmdline = read(`/proc/${pid}/cmdline`);
    return cmdline !== null && cmdline.startsWith("postgres:") && cmdline.includes(` ${database} `);
  });
}

/**
 * CPU ms used between start() and stop() by a changing set of processes (re-listed each second, so
 * processes that start later are counted; one that exits between samples loses its last slice).
 * `ownMs` is what the sampling itself cost this process, to subtract when this process is measured.
 */
export function cpuMeter(list: () => number[]) {
  const baseline = new Map<number, number>();
  const latest = new Map<number, number>();
  let started = false;
  let timer: NodeJS.Timeout | null = null;
  let ownMs = 0;
  const sample = () => {
    const before = process.cpuUsage();
    for (const pid of list()) {
      const ms = cpuMsOf(pid);
      if (!baseline.has(pid)) baseline.set(pid, started ? 0 : ms);
      latest.set(pid, ms);
    }
    const used = process.cpuUsage(before);
    ownMs += (used.user + used.system) / 1000;
  };
  return {
    start() {
      sample();
      started = true;
      timer = setInterval(sample, 1_000);
    },
    stop(): number {
      if (timer) clearInterval(timer);
      sample();
      let total = 0;
      for (const [pid, ms] of latest) total += ms - (baseline.get(pid) ?? 0);
      return total;
    },
    get ownMs() {
      return ownMs;
    },
  };
}

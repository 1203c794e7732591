import { readdirSync, readFileSync } from "node:fs";

// A process tree's memory, read from /proc: what a sandbox (its jail, runtime and agents) holds.

/** `rootPid` and every process below it. */
export function descendants(rootPid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const found = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parents) if (found.has(parent) && !found.has(pid)) grew = !!found.add(pid);
  }
  return [...found];
}

export function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** RSS of a process and everything below it, in KiB. */
export function treeRssKb(rootPid: number): number {
  return descendants(rootPid).reduce((sum, pid) => sum + rssKb(pid), 0);
}

/** The machine's MemAvailable, in KiB. */
export function memAvailableKb(): number {
  return Number(/MemAvailable:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
}

// Sandbox limits (issue 18): what putting a jail under its limits costs its start. As root, through
// lib/sandboxes/providers/bwrap.ts's launcher itself: launch → the runtime in the jail answers /v1/health,
// p50 over 30 starts of new sandboxes with the limits (a cgroup made and joined, the spare disk
// mounted ahead moved into place, sized tmpfs) against the same launcher with none (the baseline),
// interleaved so both see the same machine; and 30 restarts of a sandbox whose image is already mounted. Target: ≤ 1.2×.
// Each start begins once the spare disk its predecessor had made (after its runtime answered, as the
// runtime manager tells the launcher) is ready: no start is timed beside another's background work.
//   node --conditions=react-server --import tsx bench/sandbox-limits.ts   (or: npm run bench -- sandbox-limits)
import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import type { LimitHit } from "../lib/sandboxes/limits";
import { bwrapLauncher } from "../lib/sandboxes/providers/bwrap";
import { sandboxDirs } from "../lib/sandboxes/layout";
import { describeLimits, releaseSpareDisks, removeSandboxLimits, spareDisksMade } from "../lib/sandboxes/limits";
import { releaseSandboxUid, sandboxUid } from "../lib/sandboxes/uids";
import { runBench, onCleanup } from "./support/cleanup";
import { fmtMs, fmtRatio, note, percentile, printTable } from "./support/report";

const STARTS = Number(process.env.BENCH_LIMITS_STARTS ?? 30);

/** Launches the jail and waits for its runtime to answer; then stops it. Returns the milliseconds to the answer. */
async function timedStart(sandboxesRoot: string, sandboxId: string, withLimits: boolean): Promise<number> {
  const dirs = sandboxDirs(sandboxesRoot, sandboxId);
  const uid = sandboxUid(dirs.root);
  // No network and so no model gateway: the baseline and the limited jail differ only in their limits.
  const jail = { network: "none" as const, openGateway: async () => false };
  const launcher = bwrapLauncher(
    sandboxId,
    dirs,
    uid,
    jail,
    withLimits ? { sandboxId, onHit: (hit: LimitHit) => console.error(`[bench] unexpected limit hit: ${hit.message}`) } : null,
  );
  await spareDisksMade();
  const started = performance.now();
  const launched = await launcher.launch();
  try {
    for (;;) {
      const answered = await launched.fetch("http://sandbox/v1/health").then(
        (response: Response) => response.ok,
        () => false,
      );
      if (answered) {
        launched.healthy?.();
        break;
      }
      if (launched.child.exitCode !== null) throw new Error(`the jail exited (${launched.child.exitCode})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return performance.now() - started;
  } finally {
    const exited = new Promise((resolve) => launched.child.once("exit", resolve));
    launched.child.kill("SIGTERM");
    await exited;
  }
}

function removeSandbox(sandboxesRoot: string, sandboxId: string) {
  const { root } = sandboxDirs(sandboxesRoot, sandboxId);
  removeSandboxLimits(root);
  rmSync(root, { recursive: true, force: true });
  releaseSandboxUid(root);
}

runBench("sandbox-limits", async () => {
  if (process.getuid?.() !== 0) throw new Error("this bench starts jails as sandbox uids: run it as root");
  const base = mkdtempSync("/var/tmp/bench-limits-");
  chmodSync(base, 0o711);
  const sandboxesRoot = path.join(base, "sandboxes");
  const made: string[] = [];
  onCleanup(async () => {
    for (const sandboxId of made) removeSandbox(sandboxesRoot, sandboxId);
    // The spare disk mounted ahead for the next sandbox: unmounted, or rm would descend into it.
    releaseSpareDisks();
    rmSync(base, { recursive: true, force: true });
  });
  note(describeLimits());

  // Warm: the agent binaries copied into opt, the page cache.
  for (const withLimits of [false, true]) {
    const sandboxId = randomUUID();
    made.push(sandboxId);
    await timedStart(sandboxesRoot, sandboxId, withLimits);
  }

  const fresh = { without: [] as number[], with: [] as number[] };
  for (let i = 0; i < STARTS; i++) {
    for (const withLimits of [false, true]) {
      const sandboxId = randomUUID();
      made.push(sandboxId);
      (withLimits ? fresh.with : fresh.without).push(await timedStart(sandboxesRoot, sandboxId, withLimits));
    }
  }
  const restart = { without: [] as number[], with: [] as number[] };
  const again = { without: made[made.length - 2]!, with: made[made.length - 1]! };
  for (let i = 0; i < STARTS; i++) {
    restart.without.push(await timedStart(sandboxesRoot, again.without, false));
    restart.with.push(await timedStart(sandboxesRoot, again.with, true));
  }

  const row = (label: string, values: number[]) => [label, fmtMs(percentile(values, 50)), fmtMs(percentile(values, 90)), fmtMs(Math.max(...values))];
  printTable(
    `jail launch → runtime answers, ${STARTS} starts each`,
    ["start", "p50", "p90", "max"],
    [
      row("new sandbox, no limits (baseline)", fresh.without),
      row("new sandbox, with limits", fresh.with),
      row("restart, no limits (baseline)", restart.without),
      row("restart, with limits", restart.with),
    ],
  );
  note(
    `with / without limits, p50: new sandbox ${fmtRatio(percentile(fresh.with, 50) / percentile(fresh.without, 50))}, restart ${fmtRatio(percentile(restart.with, 50) / percentile(restart.without, 50))} (target ≤ 1.2×)`,
  );
});

// The burst (issue 18): /burst N of the demo agent (N chunks as fast as it can write them), N = 25,000
// five times in a row, read as the portal reads a sandbox's runtime: through the SDK with the
// gap-filling reader (lib/runtime/observed-fetch.ts) and undici (lib/runtime/runtime-fetch.ts).
// Paths, one after the other in one run: the runtime over plain TCP (the shared `local` runtime, the
// baseline), the jail's bridge (lib/sandboxes/jail-init.mjs) with no jail around it, and the portal's
// own bwrap launcher without and with the sandbox's limits (cgroup, CPU quota) — there every agent runs
// through lib/sandboxes/agent-relay.mjs. The runtime binary, bwrap and the demo agent are real; the
// portal's database writes are replaced by an in-memory driver that counts the numbered chunks. A
// second reader of each stream (curl into a file) shows what the runtime itself dropped.
// Printed per path and burst: chunks kept, messages the runtime dropped that its replay buffer gave
// back, what stayed lost, curl's count and how long the burst took; for the limited jail, how much
// its CPU quota throttled it. As root (the jails run as sandbox uids).
//   node --conditions=react-server --import tsx bench/burst.ts   (or: npm run bench -- burst)
//   BENCH_BURST (25000), BENCH_BURST_ROUNDS (5), BENCH_BURST_PATHS (words of the paths to run, comma-separated)
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InMemorySessionPersistDriver, SandboxAgent, type SessionEvent } from "sandbox-agent";
import { installDemoAgent } from "@/lib/runtime/demo-agent";
import { createObservedFetch } from "@/lib/runtime/observed-fetch";
import { createRuntimeFetch } from "@/lib/runtime/runtime-fetch";
import { sandboxDirs } from "@/lib/sandboxes/layout";
import { describeLimits, limitsEnforcement, removeSandboxLimits } from "@/lib/sandboxes/limits";
import { bwrapLauncher } from "@/lib/sandboxes/providers/bwrap";
import { releaseSandboxUid, sandboxUid } from "@/lib/sandboxes/uids";
import { freePort } from "../tests/integration/harness";
import { onCleanup, runBench } from "./support/cleanup";
import { fmtInt, note, printTable, sleep } from "./support/report";

const BURST = Number(process.env.BENCH_BURST ?? 25_000);
const ROUNDS = Number(process.env.BENCH_BURST_ROUNDS ?? 5);
const BINARY = path.join(process.cwd(), "node_modules", "@sandbox-agent", `cli-${process.platform}-${process.arch}`, "bin", "sandbox-agent");

type Started = { child: ChildProcess; baseUrl: string; fetch: typeof fetch; curl: string[]; stop?: () => Promise<void>; throttled?: () => string };
type Variant = { name: string; pace: boolean; start: (home: string, dir: string) => Promise<Started> };

const VARIANTS: Variant[] = [
  { name: "TCP, shared runtime (baseline)", pace: true, start: tcp },
  {
    name: "Unix socket, jail-init.mjs, no jail",
    pace: true,
    start: (home, dir) => bridged(home, dir, path.join(process.cwd(), "lib", "sandboxes", "jail-init.mjs")),
  },
  { name: "bwrap jail, no limits", pace: true, start: (_, dir) => jailed(dir, false) },
  { name: "bwrap jail with its limits (the portal's sandbox)", pace: true, start: (_, dir) => jailed(dir, true) },
];

/** The portal's own bwrap launcher (as root: the sandbox's uid, its cgroup, disk image and tmpfs sizes). */
async function jailed(dir: string, withLimits: boolean): Promise<Started> {
  chmodSync(dir, 0o711);
  const sandboxesRoot = path.join(dir, "sandboxes");
  const sandboxId = randomUUID();
  const dirs = sandboxDirs(sandboxesRoot, sandboxId);
  const uid = sandboxUid(dirs.root);
  const jail = { network: "none" as const, openGateway: async () => false };
  const limits = withLimits ? { sandboxId, onHit: (hit: { message: string }) => console.error(`[bench] limit hit: ${hit.message}`) } : null;
  const launched = await bwrapLauncher(sandboxId, dirs, uid, jail, limits).launch();
  const child = launched.child;
  for (let waited = 0; ; waited += 20) {
    if (
      await launched.fetch("http://sandbox/v1/health").then(
        (response) => response.ok,
        () => false,
      )
    )
      break;
    if (waited > 15_000 || child.exitCode !== null) throw new Error("the jail's runtime did not answer");
    await sleep(20);
  }
  launched.healthy?.();
  const cpuStat = withLimits ? cpuStatFile(child.pid!) : null;
  let lastStat = cpuStat ? readCpuStat(cpuStat) : null;
  return {
    child,
    baseUrl: launched.url,
    fetch: launched.fetch,
    curl: ["--unix-socket", path.join(dirs.run, "runtime.sock"), "http://sandbox"],
    throttled: () => {
      if (!cpuStat || !lastStat) return "-";
      const [now, before] = [readCpuStat(cpuStat), lastStat];
      lastStat = now;
      return `${now.nr_throttled - before.nr_throttled}/${now.nr_periods - before.nr_periods} periods, ${fmtInt((now.throttled_time - before.throttled_time) / 1e6)} ms`;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
      await exited;
      removeSandboxLimits(dirs.root);
      rmSync(dirs.root, { recursive: true, force: true });
      releaseSandboxUid(dirs.root);
    },
  };
}

/** The jail's cpu.stat in the v1 cpu hierarchy (its cgroup is the launched process's). */
function cpuStatFile(pid: number): string | null {
  const how = limitsEnforcement();
  if (how.kind !== "cgroup1" || !how.cpu) return null;
  const line = readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .split("\n")
    .find((each) => /^\d+:[^:]*\bcpu\b[^:]*:/.test(each));
  return line ? path.join(how.cpu, path.basename(line.split(":")[2]!), "cpu.stat") : null;
}

function readCpuStat(file: string) {
  const stat = { nr_periods: 0, nr_throttled: 0, throttled_time: 0 };
  for (const line of readFileSync(file, "utf8").trim().split("\n")) {
    const [key = "", value] = line.split(" ");
    if (key in stat) stat[key as keyof typeof stat] = Number(value);
  }
  return stat;
}

async function tcp(home: string) {
  const port = await freePort();
  const child = spawn(BINARY, ["server", "--no-token", "--no-telemetry", "--host", "127.0.0.1", "--port", String(port)], {
    env: runtimeEnv(home),
    stdio: "ignore",
  });
  return { child, baseUrl: `http://127.0.0.1:${port}`, fetch: createRuntimeFetch(), curl: [`http://127.0.0.1:${port}`] };
}

function runtimeEnv(home: string) {
  return { ...process.env, XDG_DATA_HOME: home, SANDBOX_AGENT_ACP_REQUEST_TIMEOUT_MS: "3600000" };
}

async function bridged(home: string, dir: string, script: string) {
  const socketPath = path.join(dir, "runtime.sock");
  const port = await freePort();
  const child = spawn(process.execPath, [script, BINARY, socketPath, String(port)], { env: runtimeEnv(home), stdio: "ignore" });
  for (let waited = 0; !existsSync(socketPath); waited += 20) {
    if (waited > 10_000) throw new Error(`${script} made no socket`);
    await sleep(20);
  }
  return { child, baseUrl: "http://sandbox", fetch: createRuntimeFetch({ socketPath }), curl: ["--unix-socket", socketPath, "http://sandbox"] };
}

/** The numbered chunk an event carries (the demo agent's /burst), or null. */
function sequenceOf(payload: unknown): number | null {
  const update = (payload as { params?: { update?: { sessionUpdate?: string; content?: { text?: string } } } })?.params?.update;
  if (update?.sessionUpdate !== "agent_message_chunk") return null;
  const match = /^(\d+) $/.exec(update.content?.text ?? "");
  return match ? Number(match[1]) : null;
}

function chunksIn(text: string): number {
  return new Set([...text.matchAll(/"text":"(\d+) "/g)].map((match) => match[1])).size;
}

/** Counts numbered chunks as the portal's driver would see them (it queues each for the writer). */
class CountingDriver extends InMemorySessionPersistDriver {
  seen = new Set<number>();
  lastAt = Date.now();
  lastChunkAt = 0;
  override async insertEvent(sessionId: string, event: SessionEvent) {
    this.lastAt = Date.now();
    JSON.stringify(event.payload); // the writer serialises every payload
    const sequence = sequenceOf(event.payload);
    if (sequence !== null) {
      this.seen.add(sequence);
      this.lastChunkAt = this.lastAt;
    }
    return super.insertEvent(sessionId, event);
  }
}

async function measure(variant: Variant) {
  const home = mkdtempSync(path.join(os.tmpdir(), "portal-bench-burst-"));
  installDemoAgent(home);
  const started = await variant.start(home, home);
  const { child, baseUrl, fetch: baseFetch } = started;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (started.stop) await started.stop();
    else child.kill("SIGTERM");
    rmSync(home, { recursive: true, force: true });
  };
  onCleanup(stop);
  const counts = { recovered: 0, lost: 0 };
  const observed = createObservedFetch(
    { onRecovered: (_, count) => (counts.recovered += count), onGap: ({ missing }) => (counts.lost += missing) },
    baseFetch,
    { pace: variant.pace },
  );
  const driver = new CountingDriver();
  let sdk: SandboxAgent | null = null;
  for (let waited = 0; !sdk; waited += 100) {
    try {
      sdk = await SandboxAgent.connect({ baseUrl, fetch: observed.fetch, persist: driver });
      await sdk.getHealth();
    } catch (error) {
      sdk = null;
      if (waited > 15_000) throw error;
      await sleep(100);
    }
  }
  const session = await sdk.createSession({ agent: "mock" });
  // A second reader of the same stream that does nothing but write it to a file (curl): what it
  // misses, the runtime dropped however fast its reader is.
  const rawFile = path.join(home, "raw-stream.txt");
  const [curlUrl, ...curlRest] = [...started.curl].reverse();
  const raw = spawn("curl", ["-sN", "-H", "Accept: text/event-stream", "-o", rawFile, ...curlRest.reverse(), `${curlUrl}/v1/acp/${observed.serverIds()[0]}`], {
    stdio: "ignore",
  });
  onCleanup(() => void raw.kill());
  await sleep(500);
  const rounds: Array<{ kept: number; recovered: number; lost: number; throttled: string; raw: number; seconds: number }> = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    driver.seen.clear();
    const rawFrom = existsSync(rawFile) ? readFileSync(rawFile).length : 0;
    const before = { ...counts };
    const startedAt = Date.now();
    await session.prompt([{ type: "text", text: `/burst ${BURST}` }]);
    // The prompt can answer before the last updates are through: wait until the stream is quiet.
    while (driver.seen.size < BURST && Date.now() - driver.lastAt < 2_000) await sleep(50);
    rounds.push({
      kept: driver.seen.size,
      recovered: counts.recovered - before.recovered,
      lost: counts.lost - before.lost,
      throttled: started.throttled?.() ?? "-",
      raw: chunksIn(readFileSync(rawFile).subarray(rawFrom).toString()),
      seconds: (driver.lastChunkAt - startedAt) / 1000,
    });
  }
  raw.kill();
  await sdk.dispose().catch(() => undefined);
  await stop();
  return rounds;
}

runBench("burst", async () => {
  const results: Array<[string, Awaited<ReturnType<typeof measure>>]> = [];
  if (process.getuid?.() !== 0) throw new Error("the jailed variants start jails as sandbox uids: run this bench as root");
  note(
    `${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}; ${describeLimits()}`,
  );
  // BENCH_BURST_PATHS=jail runs only the variants whose name contains one of the (comma-separated) words.
  const only = (process.env.BENCH_BURST_PATHS ?? "").split(",").filter(Boolean);
  for (const variant of VARIANTS.filter((each) => only.length === 0 || only.some((word) => each.name.includes(word)))) {
    results.push([variant.name, await measure(variant)]);
  }
  printTable(
    `/burst ${fmtInt(BURST)} ×${ROUNDS}, read as a sandbox's runtime stream is (kept / recovered from the replay buffer / lost)`,
    ["path", ...Array.from({ length: ROUNDS }, (_, i) => `burst ${i + 1}`), "all kept"],
    results.map(([name, rounds]) => [
      name,
      ...rounds.map((r) => `${fmtInt(r.kept)} / ${fmtInt(r.recovered)} / ${fmtInt(r.lost)} (curl ${fmtInt(r.raw)}), ${r.seconds.toFixed(2)} s`),
      rounds.every((r) => r.kept === BURST) ? "yes" : "no",
    ]),
  );
  const throttled = results.filter(([, rounds]) => rounds.some((r) => r.throttled !== "-"));
  if (throttled.length > 0) {
    printTable(
      "the jail's CPU quota during each burst (v1 cpu.stat: periods throttled / periods, time throttled)",
      ["path", ...Array.from({ length: ROUNDS }, (_, i) => `burst ${i + 1}`)],
      throttled.map(([name, rounds]) => [name, ...rounds.map((r) => r.throttled)]),
    );
  }
  note(
    "Kept = distinct numbered chunks the SDK handed the persist driver; curl = those a second reader of the same stream, doing nothing but writing it to a file, got; s = prompt → the last chunk. The runtime drops what overflows its 512-message channel per reader; the reader recovers what its 1,024-message replay buffer still holds. In a jail the agent runs through agent-relay.mjs, which keeps at most 256 messages between the agent and the slowest reader's stream.",
  );
});

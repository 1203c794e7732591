// The burst (issue 18): a /burst of the demo agent read through the path a bwrap sandbox's runtime
// stream takes — the jail's Unix-socket bridge (lib/sandboxes/jail-init.mjs), then undici over the
// socket (lib/runtime/runtime-fetch.ts) and the gap-filling reader (lib/runtime/observed-fetch.ts),
// into the SDK — against the same runtime read over plain TCP (the shared `local` runtime's path) and
// against the bridge as it was before (a plain pipe, copied below), all in one run. The runtime binary
// and the demo agent are real; the jail itself is left out (it changes nothing on this path), and
// the portal's database writes are replaced by an in-memory driver that counts the numbered chunks.
// Printed per variant: chunks kept of each burst, messages the runtime dropped that its replay
// buffer gave back, and what stayed lost.
//   node --conditions=react-server --import tsx bench/burst.ts   (or: npm run bench -- burst)
//   BENCH_BURST (25000), BENCH_BURST_ROUNDS (5)
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InMemorySessionPersistDriver, SandboxAgent, type SessionEvent } from "sandbox-agent";
import { installDemoAgent } from "@/lib/runtime/demo-agent";
import { createObservedFetch } from "@/lib/runtime/observed-fetch";
import { createRuntimeFetch } from "@/lib/runtime/runtime-fetch";
import { freePort } from "../tests/integration/harness";
import { onCleanup, runBench } from "./support/cleanup";
import { fmtInt, note, printTable, sleep } from "./support/report";

const BURST = Number(process.env.BENCH_BURST ?? 25_000);
const ROUNDS = Number(process.env.BENCH_BURST_ROUNDS ?? 5);
const BINARY = path.join(process.cwd(), "node_modules", "@sandbox-agent", `cli-${process.platform}-${process.arch}`, "bin", "sandbox-agent");

// The bridge of jail-init.mjs before issue 18 (commit 32870b1): a plain pipe both ways.
const PIPE_BRIDGE = `
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";
const [runtimeBinary, socketPath, port] = process.argv.slice(2);
const runtime = spawn(runtimeBinary, ["server", "--no-token", "--no-telemetry", "--host", "127.0.0.1", "--port", port], { stdio: ["ignore", "ignore", "inherit"] });
runtime.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => runtime.kill(signal));
rmSync(socketPath, { force: true });
const bridge = net.createServer((client) => {
  const upstream = net.connect(Number(port), "127.0.0.1");
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on("error", close);
  upstream.on("error", close);
});
bridge.listen(socketPath);
`;

type Variant = { name: string; pace: boolean; start: (home: string, dir: string) => Promise<{ child: ChildProcess; baseUrl: string; fetch: typeof fetch }> };

const VARIANTS: Variant[] = [
  {
    name: "TCP, frames handed over as read (shared runtime, before)",
    pace: false,
    start: tcp,
  },
  {
    name: "TCP, frames paced (shared runtime, now)",
    pace: true,
    start: tcp,
  },
  { name: "Unix socket, pipe bridge, unpaced (bwrap, before)", pace: false, start: (home, dir) => bridged(home, dir, writeScript(dir, PIPE_BRIDGE)) },
  {
    name: "Unix socket, jail-init.mjs, paced (bwrap, now)",
    pace: true,
    start: (home, dir) => bridged(home, dir, path.join(process.cwd(), "lib", "sandboxes", "jail-init.mjs")),
  },
];

async function tcp(home: string) {
  const port = await freePort();
  const child = spawn(BINARY, ["server", "--no-token", "--no-telemetry", "--host", "127.0.0.1", "--port", String(port)], {
    env: runtimeEnv(home),
    stdio: "ignore",
  });
  return { child, baseUrl: `http://127.0.0.1:${port}`, fetch: createRuntimeFetch() };
}

function runtimeEnv(home: string) {
  return { ...process.env, XDG_DATA_HOME: home, SANDBOX_AGENT_ACP_REQUEST_TIMEOUT_MS: "3600000" };
}

function writeScript(dir: string, text: string) {
  const file = path.join(dir, "pipe-bridge.mjs");
  writeFileSync(file, text);
  return file;
}

async function bridged(home: string, dir: string, script: string) {
  const socketPath = path.join(dir, "runtime.sock");
  const port = await freePort();
  const child = spawn(process.execPath, [script, BINARY, socketPath, String(port)], { env: runtimeEnv(home), stdio: "ignore" });
  for (let waited = 0; !existsSync(socketPath); waited += 20) {
    if (waited > 10_000) throw new Error(`${script} made no socket`);
    await sleep(20);
  }
  return { child, baseUrl: "http://sandbox", fetch: createRuntimeFetch({ socketPath }) };
}

/** The numbered chunk an event carries (the demo agent's /burst), or null. */
function sequenceOf(payload: unknown): number | null {
  const update = (payload as { params?: { update?: { sessionUpdate?: string; content?: { text?: string } } } })?.params?.update;
  if (update?.sessionUpdate !== "agent_message_chunk") return null;
  const match = /^(\d+) $/.exec(update.content?.text ?? "");
  return match ? Number(match[1]) : null;
}

/** Counts numbered chunks as the portal's driver would see them (it queues each for the writer). */
class CountingDriver extends InMemorySessionPersistDriver {
  seen = new Set<number>();
  lastAt = Date.now();
  override async insertEvent(sessionId: string, event: SessionEvent) {
    this.lastAt = Date.now();
    JSON.stringify(event.payload); // the writer serialises every payload
    const sequence = sequenceOf(event.payload);
    if (sequence !== null) this.seen.add(sequence);
    return super.insertEvent(sessionId, event);
  }
}

async function measure(variant: Variant) {
  const home = mkdtempSync(path.join(os.tmpdir(), "portal-bench-burst-"));
  installDemoAgent(home);
  const { child, baseUrl, fetch: baseFetch } = await variant.start(home, home);
  const stop = () => {
    child.kill("SIGTERM");
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
  const rounds: Array<{ kept: number; recovered: number; lost: number }> = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    driver.seen.clear();
    const before = { ...counts };
    await session.prompt([{ type: "text", text: `/burst ${BURST}` }]);
    // The prompt can answer before the last updates are through: wait until the stream is quiet.
    while (driver.seen.size < BURST && Date.now() - driver.lastAt < 2_000) await sleep(50);
    rounds.push({ kept: driver.seen.size, recovered: counts.recovered - before.recovered, lost: counts.lost - before.lost });
  }
  await sdk.dispose().catch(() => undefined);
  stop();
  return rounds;
}

runBench("burst", async () => {
  const results: Array<[string, Awaited<ReturnType<typeof measure>>]> = [];
  for (const variant of VARIANTS) results.push([variant.name, await measure(variant)]);
  printTable(
    `/burst ${fmtInt(BURST)} ×${ROUNDS}, read as a sandbox's runtime stream is (kept / recovered from the replay buffer / lost)`,
    ["path", ...Array.from({ length: ROUNDS }, (_, i) => `burst ${i + 1}`), "all kept"],
    results.map(([name, rounds]) => [
      name,
      ...rounds.map((r) => `${fmtInt(r.kept)} / ${fmtInt(r.recovered)} / ${fmtInt(r.lost)}`),
      rounds.every((r) => r.kept === BURST) ? "yes" : "no",
    ]),
  );
  note(
    "Kept = distinct numbered chunks the SDK handed the persist driver. The runtime drops what overflows its 512-message channel per reader; the reader recovers what its 1,024-message replay buffer still holds.",
  );
});

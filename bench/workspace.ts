// Work in and out of a sandbox (issue 21), through the real portal with a bwrap sandbox cloned
// from a real smart-HTTP git server:
//  - the Changes panel for a workspace of 10,000 files with 500 changed: the list and one file's
//    diff, against `git diff --stat` run directly in the workspace on the host (the baseline);
//  - the terminal's keystroke echo round trip through the portal (input request → the echoed byte
//    on the output stream, and a keystroke on the terminal's WebSocket → its echo on the same
//    socket), against input request → output stream on the runtime's own process API.
//   node --conditions=react-server --import tsx bench/workspace.ts   (or: npm run bench -- workspace)
//   BENCH_WORKSPACE_PARTS=terminal runs only the terminal part (a sandbox with no repository).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { once } from "node:events";
import { SandboxAgent } from "sandbox-agent";
import WebSocket from "ws";
import { createRuntimeFetch } from "@/lib/runtime/runtime-fetch";
import { makeRepository, startGitServer } from "../tests/fixtures/git-server";
import type { Api } from "../tests/integration/harness";
import { runBench, onCleanup } from "./support/cleanup";
import { createBenchDatabase } from "./support/database";
import { startBenchPortal } from "./support/portal";
import { fmtMs, fmtRatio, note, percentile, printTable } from "./support/report";

const FILES = 10_000;
const CHANGED = 500;
const RUNS = Number(process.env.BENCH_WORKSPACE_RUNS ?? 10);
const KEYS = Number(process.env.BENCH_WORKSPACE_KEYS ?? 100);
const TOKEN = "bench-token";
const PARTS = new Set((process.env.BENCH_WORKSPACE_PARTS ?? "changes,terminal").split(","));

async function timed<T>(work: () => Promise<T> | T): Promise<[number, T]> {
  const started = performance.now();
  const value = await work();
  return [performance.now() - started, value];
}

/** Reads an SSE body, calling `onFrame` with each frame's fields. */
async function readFrames(body: ReadableStream<Uint8Array>, onFrame: (fields: Record<string, string>) => void) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      onFrame(
        Object.fromEntries(
          frame
            .split("\n")
            .filter((line) => line && !line.startsWith(":"))
            .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]),
        ),
      );
    }
  }
}

/** Round trips of single keystrokes: `send(ch)` and the moment `ch` comes back on the output. */
async function echoRoundTrips(send: (ch: string) => Promise<void>, waitFor: (ch: string) => Promise<void>, count: number) {
  const times: number[] = [];
  // When the input request was answered: the part of the round trip that is the request itself.
  const answered: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const ch = String.fromCharCode(97 + (i % 26));
    const arrived = waitFor(ch);
    const started = performance.now();
    await send(ch);
    answered.push(performance.now() - started);
    // A lost echo must not hang the bench: it counts as 5 s.
    await Promise.race([arrived, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    times.push(performance.now() - started);
  }
  return Object.assign(times, { answered });
}

/** Waits for output chunks holding a character, fed by a stream reader. */
function outputWaiter() {
  let waiting: { ch: string; resolve: () => void } | null = null;
  return {
    feed(text: string) {
      if (waiting && text.includes(waiting.ch)) {
        const { resolve } = waiting;
        waiting = null;
        resolve();
      }
    },
    wait: (ch: string) => new Promise<void>((resolve) => void (waiting = { ch, resolve })),
  };
}

const row = (label: string, values: number[], against?: number[]) => [
  label,
  fmtMs(percentile(values, 50)),
  fmtMs(percentile(values, 95)),
  fmtMs(percentile(values, 99)),
  against ? fmtRatio(percentile(values, 50) / percentile(against, 50)) : "1.00×",
];

/** The Changes panel for a workspace of FILES files with CHANGED changed; answers the sandbox. */
async function changesPart(api: Api, teamId: string, dataDir: string): Promise<string> {
  const server = await startGitServer(TOKEN);
  onCleanup(() => server.close());
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i += 1) files[`pkg${Math.floor(i / 100)}/file${i}.txt`] = `line one of ${i}\nline two\nline three\n`;
  makeRepository(server.root, "big.git", files);

  const repository = await api.post(`/api/teams/${teamId}/repositories`, { name: "big", url: `${server.url}/big.git`, defaultBranch: "main", token: TOKEN });
  const [cloneMs, session] = await timed(() => api.post("/api/sessions", { teamId, agent: "demo", repositoryId: repository.id }));
  const sandboxId = session.sandboxId as string;
  const hostDir = path.join(dataDir, "sandboxes", sandboxId);
  const workspace = path.join(hostDir, "workspace");
  // 500 files changed, as an agent would have (in place: the sandbox's own files).
  for (let i = 0; i < CHANGED; i += 1)
    writeFileSync(
      path.join(workspace, `pkg${Math.floor((i * 20) / 100)}`, `file${i * 20}.txt`),
      `line one of ${i * 20}\nline 2 changed\nline three\nand a fourth\n`,
    );
  const { baseCommit } = await api.get(`/api/sandboxes/${sandboxId}`).then((sandbox) => sandbox.repository);
  const uid = Number(execFileSync("stat", ["-c", "%u", workspace], { encoding: "utf8" }).trim());

  // Baseline: git diff --stat in the workspace on the host, as the sandbox's uid.
  const gitStat = () =>
    execFileSync("setpriv", [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "git", "-C", workspace, "diff", "--stat", baseCommit], {
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" } as unknown as NodeJS.ProcessEnv,
    });
  const [firstListMs, first] = await timed(() => api.get(`/api/sandboxes/${sandboxId}/changes`));
  if (first.items.length !== CHANGED) throw new Error(`expected ${CHANGED} changes, got ${first.items.length}`);
  const list: number[] = [];
  const diff: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    baseline.push((await timed(gitStat))[0]);
    list.push((await timed(() => api.get(`/api/sandboxes/${sandboxId}/changes`)))[0]);
    diff.push((await timed(() => api.request("GET", `/api/sandboxes/${sandboxId}/changes/diff?path=pkg3/file300.txt`)))[0]);
  }
  printTable(
    `Changes for ${FILES.toLocaleString("en")} files, ${CHANGED} changed (${RUNS} runs)`,
    ["what", "p50", "p99", "vs baseline p50"],
    [
      row("git diff --stat in the workspace (baseline)", baseline),
      row("GET …/changes (list, through the portal)", list, baseline),
      row("GET …/changes/diff?path= (one file)", diff, baseline),
    ],
  );
  note(
    `clone of ${FILES.toLocaleString("en")} files at session create: ${fmtMs(cloneMs)} (session create included); first list (cold index): ${fmtMs(firstListMs)}`,
  );

  return sandboxId;
}

runBench("workspace", async () => {
  const database = await createBenchDatabase("workspace");
  const { portal, api, teamId } = await startBenchPortal(database.url, { PORTAL_SANDBOX: "bwrap" });
  const sandboxId = PARTS.has("changes")
    ? await changesPart(api, teamId, portal.dataDir)
    : ((await api.post("/api/sessions", { teamId, agent: "demo" })).sandboxId as string);
  if (!PARTS.has("terminal")) return;
  const hostDir = path.join(portal.dataDir, "sandboxes", sandboxId);

  // Terminal echo: through the portal.
  const opened = await api.post(`/api/sandboxes/${sandboxId}/terminals`, {});
  const abort = new AbortController();
  onCleanup(() => abort.abort());
  const viaPortal = outputWaiter();
  const stream = await fetch(`${api.baseUrl}/api/sandboxes/${sandboxId}/terminals/${opened.id}/stream`, {
    headers: { authorization: `Bearer ${api.token}` },
    signal: abort.signal,
  });
  let lastSeq = 0;
  void readFrames(stream.body!, (fields) => {
    if (fields.event !== "output") return;
    lastSeq = Number(fields.id);
    viaPortal.feed(Buffer.from(fields.data ?? "", "base64").toString("utf8"));
  }).catch(() => undefined);
  const portalSend = async (ch: string) => void (await api.request("POST", `/api/sandboxes/${sandboxId}/terminals/${opened.id}/input`, { data: ch }));
  await echoRoundTrips(portalSend, viaPortal.wait, 10); // warm
  const portalTimes = await echoRoundTrips(portalSend, viaPortal.wait, KEYS);
  note(`through the portal (input POST): p50 ${fmtMs(percentile(portalTimes, 50))}, p99 ${fmtMs(percentile(portalTimes, 99))}`);

  // Through the portal's terminal WebSocket: a ticket, then keystrokes and output on one socket
  // (after what the stream above has seen, so old echoes cannot answer a new keystroke).
  const ticket = await api.request("POST", `/api/sandboxes/${sandboxId}/terminals/${opened.id}/socket-ticket`);
  if (ticket.status !== 201) throw new Error(`no socket ticket: ${ticket.status}`);
  const socket = new WebSocket(`${api.baseUrl.replace(/^http/, "ws")}${ticket.body.url}&since=${lastSeq}`);
  onCleanup(() => socket.close());
  const viaSocket = outputWaiter();
  socket.on("message", (raw) => {
    const frame = JSON.parse(raw.toString()) as { type: string; data?: string };
    if (frame.type === "output") viaSocket.feed(Buffer.from(frame.data ?? "", "base64").toString("utf8"));
  });
  await once(socket, "open");
  const socketSend = async (ch: string) => void socket.send(JSON.stringify({ type: "input", data: ch }));
  await echoRoundTrips(socketSend, viaSocket.wait, 10); // warm
  const socketTimes = await echoRoundTrips(socketSend, viaSocket.wait, KEYS);
  socket.close();
  note(`through the portal (WebSocket): p50 ${fmtMs(percentile(socketTimes, 50))}, p99 ${fmtMs(percentile(socketTimes, 99))}`);

  // Baseline: straight to the runtime's process API over the jail's socket (what the portal calls).
  const sdk = await SandboxAgent.connect({ baseUrl: "http://sandbox", fetch: createRuntimeFetch({ socketPath: path.join(hostDir, "run", "runtime.sock") }) });
  const shell = await sdk.createProcess({ command: "/bin/bash", args: ["-l"], cwd: "/workspace", tty: true, interactive: true });
  const direct = outputWaiter();
  const follow = await sdk.followProcessLogs(shell.id, (entry) => direct.feed(Buffer.from(entry.data, "base64").toString("utf8")), { stream: "pty" });
  onCleanup(() => follow.close());
  const directSend = async (ch: string) => void (await sdk.sendProcessInput(shell.id, { data: ch, encoding: "utf8" }));
  await echoRoundTrips(directSend, direct.wait, 10);
  const directTimes = await echoRoundTrips(directSend, direct.wait, KEYS);
  await sdk.killProcess(shell.id).catch(() => undefined);
  printTable(
    `terminal keystroke echo round trip (${KEYS} keystrokes)`,
    ["path", "p50", "p95", "p99", "vs runtime p50"],
    [
      row("runtime process API (baseline)", directTimes),
      row("through the portal: WebSocket", socketTimes, directTimes),
      row("through the portal: input POST → SSE", portalTimes, directTimes),
      row("  of which: input POST answered", portalTimes.answered, directTimes),
    ],
  );
  note(
    `target: through the portal < 2× the runtime and < 20 ms p50 — WebSocket p50 ${fmtMs(percentile(socketTimes, 50))}, ${fmtRatio(percentile(socketTimes, 50) / percentile(directTimes, 50))}`,
  );
  abort.abort();
});

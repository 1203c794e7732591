// An agent process inside a bubblewrap sandbox, as the runtime starts it (plain Node, no dependencies):
//   node agent-relay.mjs <control socket> <agent id> -- <agent command…>
// runs the agent with the runtime's stdin and stderr, and copies its stdout to the runtime with flow
// control. The runtime (sandbox-agent 0.4.2) reads an agent's stdout as fast as it comes and hands
// every message to each reader of the ACP event stream through a 512-message channel that drops what
// overflows, without slowing the agent: whenever the runtime's stream writer got less CPU than its
// stdout reader for a few milliseconds (a busy host), part of a burst was lost. So the relay lets at
// most WINDOW messages be in flight — written to the runtime but not yet out of it on the stream, as
// jail-init.mjs (which bridges that stream to the portal) reports — and otherwise stops reading the
// agent, whose writes then wait on the full pipe, as any writer's do. The agent is not paced: it
// writes as fast as the stream is read. Without a report (no stream open, no jail-init to ask) it
// copies freely.
import { spawn } from "node:child_process";
import net from "node:net";
import { constants } from "node:os";

const WINDOW = 256;
const NEWLINE = 0x0a;

const [controlSocket, agentId, separator, command, ...args] = process.argv.slice(2);
if (separator !== "--" || !command) {
  process.stderr.write("usage: agent-relay.mjs <control socket> <agent id> -- <command…>\n");
  process.exit(64);
}

const agent = spawn(command, args, { stdio: ["inherit", "pipe", "inherit"] });
agent.on("error", (error) => {
  process.stderr.write(`agent-relay: ${error.message}\n`);
  process.exit(127);
});
// Once the agent has exited and all it wrote is with the runtime, the relay exits as it did.
let exitCode = null;
agent.on("close", (code, signal) => {
  exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
  pump();
});
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => agent.kill(signal));
// The runtime gone (its end of our stdout closed): so is the agent's reason to run.
process.stdout.on("error", () => agent.kill("SIGTERM"));

// Messages handed to the runtime, and the highest stream id jail-init has seen leave it (Infinity: no
// report, so nothing to wait for). The runtime numbers an agent process's messages (its non-blank
// lines) from 1 in the order they come, so both count the same messages. Should the counts ever part
// (a line the runtime thinks blank and we do not), a stream with nothing more to give for STALL_MS
// has an empty channel: the relay then starts counting again from what was delivered.
const STALL_MS = 2_000;
let written = 0;
let delivered = Infinity;
let stallTimer = null;
const held = [];
let waitingForDrain = false;

function pump() {
  while (held.length > 0 && !waitingForDrain) {
    const room = delivered === Infinity ? Infinity : delivered + WINDOW - written;
    if (room <= 0) {
      stallTimer ??= setTimeout(() => {
        stallTimer = null;
        written = Math.min(written, delivered);
        pump();
      }, STALL_MS);
      break;
    }
    const chunk = held[0];
    const cut = cutAfterLines(chunk, room);
    const part = cut === chunk.length ? chunk : chunk.subarray(0, cut);
    if (cut === chunk.length) held.shift();
    else held[0] = chunk.subarray(cut);
    written += countMessages(part);
    if (!process.stdout.write(part)) {
      waitingForDrain = true;
      process.stdout.once("drain", () => {
        waitingForDrain = false;
        pump();
      });
    }
  }
  if (held.length > 0) agent.stdout.pause();
  else if (exitCode === null) agent.stdout.resume();
  else if (!waitingForDrain) process.exit(exitCode);
}

/** The length of the longest start of `chunk` that holds at most `lines` newlines (a partial last line rides along). */
function cutAfterLines(chunk, lines) {
  if (lines === Infinity) return chunk.length;
  let at = -1;
  for (let seen = 0; seen < lines; seen++) {
    at = chunk.indexOf(NEWLINE, at + 1);
    if (at === -1) return chunk.length;
  }
  return at + 1;
}

// Whether the line being written so far (it may continue in the next chunk) has more than blanks.
let lineHasContent = false;

/** Complete non-blank lines in `chunk`, carrying a line's start over from the chunk before. */
function countMessages(chunk) {
  let messages = 0;
  let from = 0;
  for (let at = chunk.indexOf(NEWLINE); ; at = chunk.indexOf(NEWLINE, from)) {
    const end = at === -1 ? chunk.length : at;
    for (let i = from; !lineHasContent && i < end; i++) lineHasContent = !BLANKS.has(chunk[i]);
    if (at === -1) return messages;
    if (lineHasContent) messages++;
    lineHasContent = false;
    from = at + 1;
  }
}
const BLANKS = new Set([0x20, 0x09, 0x0d]);

agent.stdout.on("data", (chunk) => {
  held.push(chunk);
  pump();
});

// jail-init answers with one line per change: the highest id delivered on this agent's stream, or
// "free" when no stream is open. Any failure leaves the relay copying freely.
const control = net.connect(controlSocket);
control.on("connect", () => control.write(`hello ${agentId}\n`));
control.on("error", () => undefined);
control.on("close", () => {
  delivered = Infinity;
  pump();
});
let partial = "";
control.setEncoding("utf8");
control.on("data", (text) => {
  const lines = (partial + text).split("\n");
  partial = lines.pop() ?? "";
  const last = lines.at(-1);
  if (last === undefined) return;
  const id = Number(last);
  delivered = last !== "free" && Number.isSafeInteger(id) ? id : Infinity;
  clearTimeout(stallTimer ?? undefined);
  stallTimer = null;
  pump();
});
control.unref();

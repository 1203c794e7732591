import path from "node:path";
import type { PermissionOption, PlanEntry, StopReason, ToolKind } from "./acp-types.js";
import { delay, writeNumberedChunks } from "./pacing.js";
import type { PromptAnalysis } from "./prompt-text.js";
import { isRecord, messageChunkLineTemplate, type JsonRpcPeer } from "./protocol.js";
import { contextWindowFor, MODE_CONFIG_ID, pricePerTokenFor } from "./session-config.js";
import type { SessionState } from "./sessions.js";
import { allocate, fill, forkMany, MAX_ALLOC_MB, MAX_FILL_MB, MAX_FORKS } from "./resource-use.js";
import { catInCwd, connectFromHere, probePath, whoami, writeInCwd } from "./sandbox-view.js";

/** Everything a behaviour needs for one prompt turn. */
export interface Turn {
  peer: JsonRpcPeer;
  session: SessionState;
  analysis: PromptAnalysis;
  signal: AbortSignal;
}

/** `argText` is everything after the command name, for commands that take free text. */
type Behaviour = (turn: Turn, args: string[], argText: string) => Promise<StopReason>;

/** Delay between echoed words: long enough that a browser visibly streams. */
const ECHO_PIECE_DELAY_MS = 20;
/** Long prompts are echoed in at most this many pieces so a turn stays short. */
const MAX_ECHO_PIECES = 100;
export const MAX_STREAM_CHUNKS = 1_000_000;
const DEFAULT_STREAM_RATE = 2000;
const MAX_SLEEP_MS = 3_600_000;

export const PERMISSION_OPTIONS: readonly PermissionOption[] = [
  { optionId: "allow-once", name: "Allow once", kind: "allow_once" },
  { optionId: "allow-always", name: "Always allow", kind: "allow_always" },
  { optionId: "reject-once", name: "Reject", kind: "reject_once" },
];

const COMMANDS: ReadonlyArray<{ usage: string; summary: string; run: Behaviour; name: string }> = [
  { name: "stream", usage: "/stream N [RATE]", summary: "N numbered chunks paced at RATE per second (default 2000)", run: stream },
  { name: "burst", usage: "/burst N", summary: "N numbered chunks as fast as possible", run: burst },
  {
    name: "tool",
    usage: "/tool [KIND] [PATH]",
    summary: "a plan and a tool call of KIND (default edit) on PATH (default demo.txt) that asks for permission",
    run: tool,
  },
  { name: "sleep", usage: "/sleep MS", summary: "wait MS milliseconds (cancellable)", run: sleep },
  { name: "hang", usage: "/hang MS", summary: "wait MS milliseconds ignoring cancel, like a stuck agent", run: hang },
  { name: "markdown", usage: "/markdown", summary: "headings, a table, code, a link and raw HTML", run: markdown },
  { name: "recall", usage: "/recall", summary: "quote the first prompt of this session", run: recall },
  { name: "write", usage: "/write NAME TEXT", summary: "write TEXT to the file NAME in the session's cwd", run: write },
  { name: "cat", usage: "/cat NAME", summary: "show the file NAME in the session's cwd", run: cat },
  { name: "probe", usage: "/probe PATH", summary: "say whether PATH exists and is readable from here", run: probe },
  { name: "whoami", usage: "/whoami", summary: "my uid, gid and cwd", run: who },
  { name: "connect", usage: "/connect HOST PORT", summary: "say whether a TCP connection to HOST:PORT opens from here", run: connect },
  {
    name: "forkbomb",
    usage: "/forkbomb [N]",
    summary: `start up to N idle processes (default and at most ${MAX_FORKS}) until one fails, then kill them`,
    run: forkbomb,
  },
  { name: "alloc", usage: "/alloc MB", summary: "allocate and touch MB MiB in a child process that then exits", run: alloc },
  { name: "fill", usage: "/fill PATH MB", summary: "write MB MiB of zeros to PATH, stopping at the first failed write", run: fillFile },
  { name: "help", usage: "/help", summary: "list the commands", run: help },
];

/** Pick and run the behaviour for a prompt: its /command, or the plain-text echo. */
export async function runTurn(turn: Turn): Promise<StopReason> {
  const command = turn.analysis.command;
  if (command === null) {
    return echo(turn);
  }
  const known = COMMANDS.find((candidate) => candidate.name === command.name);
  if (!known) {
    say(turn, `Unknown command /${command.name}.\n\n${commandList()}`);
    return "end_turn";
  }
  return known.run(turn, command.args, command.argText);
}

function say(turn: Turn, text: string): void {
  turn.peer.sessionUpdate(turn.session.id, {
    sessionUpdate: "agent_message_chunk",
    content: { type: "text", text },
  });
}

function commandList(): string {
  const lines = COMMANDS.map((command) => `- \`${command.usage}\`: ${command.summary}`);
  return `Available commands:\n${lines.join("\n")}\n- any other text: echoed back word by word`;
}

async function help(turn: Turn): Promise<StopReason> {
  say(turn, commandList());
  return "end_turn";
}

/** Plain text: one thought, the text echoed word by word, then a usage update. */
async function echo(turn: Turn): Promise<StopReason> {
  const { session, analysis, signal } = turn;
  const text = analysis.text;
  if (text.length === 0) {
    say(turn, "I received an empty prompt. Send some text, or /help for commands.");
    return "end_turn";
  }
  const pieces = splitIntoPieces(text, MAX_ECHO_PIECES);
  const { config } = session;
  turn.peer.sessionUpdate(session.id, {
    sessionUpdate: "agent_thought_chunk",
    content: {
      type: "text",
      text: `Thinking (${config.thought_level}) in ${config[MODE_CONFIG_ID]} mode with ${config.model}: I will echo ${pieces.length} piece(s) back.`,
    },
  });
  for (const [index, piece] of pieces.entries()) {
    if (signal.aborted) {
      return "cancelled";
    }
    if (index > 0) {
      await delay(ECHO_PIECE_DELAY_MS, signal);
      if (signal.aborted) {
        return "cancelled";
      }
    }
    say(turn, piece);
  }

  // Deterministic pretend accounting: one token per word in, one per word out.
  const words = text.split(/\s+/).filter((word) => word.length > 0).length;
  session.tokensUsed += words * 2;
  const model = config.model ?? "demo-small";
  turn.peer.sessionUpdate(session.id, {
    sessionUpdate: "usage_update",
    used: session.tokensUsed,
    size: contextWindowFor(model),
    cost: { amount: Number((session.tokensUsed * pricePerTokenFor(model)).toFixed(6)), currency: "USD" },
  });
  return "end_turn";
}

/** Word-sized pieces (each keeps its trailing whitespace) whose concatenation is exactly `text`. */
function splitIntoPieces(text: string, maxPieces: number): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [text];
  if (words.length <= maxPieces) {
    return words;
  }
  const perPiece = Math.ceil(words.length / maxPieces);
  const pieces: string[] = [];
  for (let index = 0; index < words.length; index += perPiece) {
    pieces.push(words.slice(index, index + perPiece).join(""));
  }
  return pieces;
}

function parseCount(raw: string | undefined): number | null {
  if (raw === undefined || !/^\d+$/.test(raw)) {
    return null;
  }
  return Number(raw);
}

async function stream(turn: Turn, args: string[]): Promise<StopReason> {
  const count = parseCount(args[0]);
  const rate = args[1] === undefined ? DEFAULT_STREAM_RATE : Number(args[1]);
  if (count === null || !Number.isFinite(rate) || rate <= 0) {
    say(turn, "Usage: /stream N [RATE] (N whole number, RATE chunks per second > 0, default 2000)");
    return "end_turn";
  }
  if (count > MAX_STREAM_CHUNKS) {
    say(turn, `Refusing to stream ${count} chunks: the maximum is ${MAX_STREAM_CHUNKS.toLocaleString("en-US")}.`);
    return "end_turn";
  }
  return numberedChunks(turn, count, rate);
}

async function burst(turn: Turn, args: string[]): Promise<StopReason> {
  const count = parseCount(args[0]);
  if (count === null) {
    say(turn, "Usage: /burst N (N whole number)");
    return "end_turn";
  }
  if (count > MAX_STREAM_CHUNKS) {
    say(turn, `Refusing to burst ${count} chunks: the maximum is ${MAX_STREAM_CHUNKS.toLocaleString("en-US")}.`);
    return "end_turn";
  }
  return numberedChunks(turn, count, undefined);
}

async function numberedChunks(turn: Turn, count: number, rate: number | undefined): Promise<StopReason> {
  await writeNumberedChunks({
    output: turn.peer.output,
    template: messageChunkLineTemplate(turn.session.id),
    count,
    ...(rate === undefined ? {} : { ratePerSecond: rate }),
    signal: turn.signal,
  });
  return turn.signal.aborted ? "cancelled" : "end_turn";
}

function sleep(turn: Turn, args: string[]): Promise<StopReason> {
  return wait(turn, args, "sleep", turn.signal);
}

/** A stuck agent: answers a cancel only when the wait is over (the portal must not wait for it). */
function hang(turn: Turn, args: string[]): Promise<StopReason> {
  return wait(turn, args, "hang", new AbortController().signal);
}

async function wait(turn: Turn, args: string[], command: string, until: AbortSignal): Promise<StopReason> {
  const ms = parseCount(args[0]);
  if (ms === null || ms > MAX_SLEEP_MS) {
    say(turn, `Usage: /${command} MS (whole milliseconds, at most ${MAX_SLEEP_MS})`);
    return "end_turn";
  }
  await delay(ms, until);
  return turn.signal.aborted ? "cancelled" : "end_turn";
}

const MARKDOWN_CHUNKS: readonly string[] = [
  "# Markdown sampler\n\nSome **bold**, some _italic_ and a [link to the ACP docs](https://agentclientprotocol.com).\n\n",
  "## A table\n\n| Command | What it does |\n| --- | --- |\n| `/stream N` | numbered chunks, paced |\n| `/tool` | asks for permission |\n\n",
  "## Some code\n\n```ts\nexport function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n```\n\n",
  "## Raw HTML\n\nThis must render as text, never run: <img src=x onerror=alert(1)>\n",
];

async function markdown(turn: Turn): Promise<StopReason> {
  for (const [index, chunk] of MARKDOWN_CHUNKS.entries()) {
    if (index > 0) {
      await delay(ECHO_PIECE_DELAY_MS, turn.signal);
    }
    if (turn.signal.aborted) {
      return "cancelled";
    }
    say(turn, chunk);
  }
  return "end_turn";
}

async function recall(turn: Turn): Promise<StopReason> {
  // Replayed history in this very prompt wins: it is the client telling us
  // about a conversation this process never saw.
  const first = turn.analysis.history ? turn.analysis.history.firstUserPrompt : turn.session.firstPrompt;
  say(turn, first ? `First prompt: ${first}` : "I don't know the first prompt of this session.");
  return "end_turn";
}

async function write(turn: Turn, args: string[], argText: string): Promise<StopReason> {
  const name = args[0];
  if (name === undefined) {
    say(turn, "Usage: /write NAME TEXT (NAME relative to the session's cwd; TEXT is the rest of the line)");
    return "end_turn";
  }
  const text = argText.slice(name.length).replace(/^\s/, "");
  // Told as an edit tool call, as a real agent's file write is, so clients can see which file changed.
  const { peer, session } = turn;
  const toolCallId = `demo-tool-${++session.toolCallCount}`;
  const target = path.resolve(session.cwd, name);
  peer.sessionUpdate(session.id, {
    sessionUpdate: "tool_call",
    toolCallId,
    title: `Write ${name}`,
    kind: "edit",
    status: "in_progress",
    locations: [{ path: target }],
    rawInput: { path: name, content: text },
  });
  const result = await writeInCwd(session.cwd, name, text);
  peer.sessionUpdate(session.id, {
    sessionUpdate: "tool_call_update",
    toolCallId,
    status: result.ok ? "completed" : "failed",
    content: result.ok
      ? [{ type: "diff", path: target, oldText: result.oldText, newText: text }]
      : [{ type: "content", content: { type: "text", text: result.message } }],
  });
  say(turn, result.message);
  return "end_turn";
}

async function cat(turn: Turn, args: string[]): Promise<StopReason> {
  const name = args[0];
  if (name === undefined || args.length > 1) {
    say(turn, "Usage: /cat NAME (NAME relative to the session's cwd)");
    return "end_turn";
  }
  say(turn, await catInCwd(turn.session.cwd, name));
  return "end_turn";
}

async function probe(turn: Turn, args: string[]): Promise<StopReason> {
  const target = args[0];
  if (target === undefined || args.length > 1) {
    say(turn, "Usage: /probe PATH (absolute, or relative to the session's cwd)");
    return "end_turn";
  }
  say(turn, await probePath(turn.session.cwd, target));
  return "end_turn";
}

async function connect(turn: Turn, args: string[]): Promise<StopReason> {
  const [host, port] = args;
  if (host === undefined || port === undefined || args.length > 2 || !/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    say(turn, "Usage: /connect HOST PORT (a TCP connection attempt from inside the agent)");
    return "end_turn";
  }
  say(turn, await connectFromHere(host, Number(port)));
  return "end_turn";
}

/** A whole number in [1, max] written as digits, or null. */
function wholeNumber(text: string | undefined, max: number): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value >= 1 && value <= max ? value : null;
}

async function forkbomb(turn: Turn, args: string[]): Promise<StopReason> {
  const count = args[0] === undefined ? MAX_FORKS : wholeNumber(args[0], MAX_FORKS);
  if (count === null) {
    say(turn, `Usage: /forkbomb [N] (N whole number, at most ${MAX_FORKS})`);
    return "end_turn";
  }
  say(turn, await forkMany(count, turn.signal));
  return turn.signal.aborted ? "cancelled" : "end_turn";
}

async function alloc(turn: Turn, args: string[]): Promise<StopReason> {
  const mb = wholeNumber(args[0], MAX_ALLOC_MB);
  if (mb === null) {
    say(turn, `Usage: /alloc MB (whole MiB, at most ${MAX_ALLOC_MB})`);
    return "end_turn";
  }
  say(turn, await allocate(mb));
  return "end_turn";
}

async function fillFile(turn: Turn, args: string[]): Promise<StopReason> {
  const mb = wholeNumber(args[1], MAX_FILL_MB);
  if (args[0] === undefined || mb === null) {
    say(turn, `Usage: /fill PATH MB (PATH relative to the session's cwd; whole MiB, at most ${MAX_FILL_MB})`);
    return "end_turn";
  }
  say(turn, await fill(turn.session.cwd, args[0], mb, turn.signal));
  return turn.signal.aborted ? "cancelled" : "end_turn";
}

async function who(turn: Turn): Promise<StopReason> {
  say(turn, whoami(turn.session.cwd));
  return "end_turn";
}

type PermissionDecision = "allowed" | "rejected" | "cancelled";

export const TOOL_KINDS: readonly ToolKind[] = ["read", "edit", "delete", "move", "search", "execute", "think", "fetch", "other"];

// What a tool call of each kind is called, as a real agent would title it (policies match titles).
const TOOL_VERB: Record<ToolKind, string> = {
  read: "Read",
  edit: "Edit",
  delete: "Delete",
  move: "Move",
  search: "Search",
  execute: "Run",
  think: "Think about",
  fetch: "Fetch",
  switch_mode: "Switch mode for",
  other: "Use",
};

/** Plan, a tool call (an edit of demo.txt unless told otherwise), a permission round-trip, then the tool's result. */
async function tool(turn: Turn, args: string[]): Promise<StopReason> {
  const { peer, session } = turn;
  const [kindArg = "edit", target = "demo.txt"] = args;
  if (!(TOOL_KINDS as readonly string[]).includes(kindArg)) {
    say(turn, `Usage: /tool [KIND] [PATH], KIND one of ${TOOL_KINDS.join(", ")}`);
    return "end_turn";
  }
  const kind = kindArg as ToolKind;
  const toolCallId = `demo-tool-${++session.toolCallCount}`;
  const title = `${TOOL_VERB[kind]} ${target}`;
  const content = kind === "edit" ? "Hello from the demo agent\n" : null;
  const rawInput = content === null ? { path: target } : { path: target, content };

  const plan = (editStatus: PlanEntry["status"], summaryStatus: PlanEntry["status"]): void => {
    peer.sessionUpdate(session.id, {
      sessionUpdate: "plan",
      entries: [
        { content: "Decide what to change", priority: "high", status: "completed" },
        { content: title, priority: "medium", status: editStatus },
        { content: "Summarise the result", priority: "low", status: summaryStatus },
      ],
    });
  };

  plan("in_progress", "pending");
  peer.sessionUpdate(session.id, { sessionUpdate: "tool_call", toolCallId, title, kind, status: "pending", rawInput });

  const decision: PermissionDecision = session.alwaysAllowedKinds.has(kind)
    ? "allowed"
    : await askPermission(turn, { toolCallId, title, kind, status: "pending", rawInput });

  if (decision === "allowed") {
    const bytesWritten = content === null ? 0 : Buffer.byteLength(content);
    peer.sessionUpdate(session.id, {
      sessionUpdate: "tool_call_update",
      toolCallId,
      status: "completed",
      content: [
        {
          type: "content",
          content: { type: "text", text: kind === "edit" ? `Wrote ${bytesWritten} bytes to ${target} (simulated).` : `${title}: done (simulated).` },
        },
      ],
      rawOutput: kind === "edit" ? { bytesWritten } : { ok: true },
    });
    plan("completed", "completed");
    say(turn, kind === "edit" ? `Done: ${target} was updated (simulated, nothing touched the disk).` : `Done: ${title} (simulated, nothing touched the disk).`);
    return "end_turn";
  }

  const reason = decision === "rejected" ? "Permission was rejected" : "Permission request was cancelled";
  peer.sessionUpdate(session.id, {
    sessionUpdate: "tool_call_update",
    toolCallId,
    status: "failed",
    content: [{ type: "content", content: { type: "text", text: `${reason}; ${target} was not touched.` } }],
  });
  if (turn.signal.aborted) {
    return "cancelled";
  }
  say(turn, `${reason}, so I left ${target} alone.`);
  return "end_turn";
}

interface PermissionToolCall {
  toolCallId: string;
  title: string;
  kind: ToolKind;
  status: "pending";
  rawInput: unknown;
}

async function askPermission(turn: Turn, toolCall: PermissionToolCall): Promise<PermissionDecision> {
  const { peer, session, signal } = turn;
  if (signal.aborted) {
    return "cancelled";
  }
  const { id, response } = peer.request("session/request_permission", {
    sessionId: session.id,
    toolCall,
    options: PERMISSION_OPTIONS,
  });

  // session/cancel must not wait for the client to answer the dialog.
  let onAbort = (): void => {};
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
  });
  const reply = await Promise.race([response, aborted]);
  signal.removeEventListener("abort", onAbort);
  if (reply === "aborted") {
    peer.abandon(id);
    return "cancelled";
  }
  if (!("result" in reply) || !isRecord(reply.result) || !isRecord(reply.result.outcome)) {
    return "cancelled";
  }
  const outcome = reply.result.outcome;
  if (outcome.outcome !== "selected") {
    return "cancelled";
  }
  const chosen = PERMISSION_OPTIONS.find((option) => option.optionId === outcome.optionId);
  if (chosen?.kind === "allow_always") {
    session.alwaysAllowedKinds.add(toolCall.kind);
  }
  return chosen?.kind === "allow_once" || chosen?.kind === "allow_always" ? "allowed" : "rejected";
}

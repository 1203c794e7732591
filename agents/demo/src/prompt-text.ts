import { isRecord } from "./protocol.js";

// Turning the content blocks of a session/prompt into "what did the user ask"
// plus "what history came with it". The rules are documented in README.md;
// keep the two in sync.

export interface Command {
  /** Lower-cased name without the slash, e.g. "stream". */
  name: string;
  args: string[];
  /** Everything after the name as written (trimmed), for commands whose last argument is free text. */
  argText: string;
}

export interface PromptAnalysis {
  /** The user's new prompt, with replayed history removed. */
  text: string;
  /** The slash command selected by the prompt, or null for plain text. */
  command: Command | null;
  /** Present only when the prompt carried recognisable replayed history. */
  history: { firstUserPrompt: string | null } | null;
}

/** Prefix of the history block the sandbox-agent SDK injects on resumeSession. */
export const SDK_REPLAY_PREFIX = "Previous session history is replayed below as JSON-RPC envelopes.";

/** One history entry per line: `User: …`, `Agent: …` (the portal also writes `Tool:` / `Note:`). */
const HISTORY_LINE = /^(User|Agent|Tool|Note):(?: |$)(.*)$/;
/** Header/footer lines around a seed, e.g. `[End of restored conversation]`. */
const MARKER_LINE = /^\[[^\]]*\]$/;
const COMMAND_LINE = /^\/([A-Za-z][\w-]*)(?:\s+(.*))?$/;

export function analysePrompt(blocks: unknown): PromptAnalysis {
  const texts = Array.isArray(blocks)
    ? blocks.flatMap((block) => (isRecord(block) && block.type === "text" && typeof block.text === "string" ? [block.text] : []))
    : [];
  const last = texts[texts.length - 1];
  if (last === undefined) {
    return { text: "", command: null, history: null };
  }

  // History can arrive as earlier text blocks (SDK replay or portal seed) and/or
  // as `User:`/`Agent:` lines at the top of the last block.
  const inline = splitInlineHistory(last);
  const historySources = [...texts.slice(0, -1), ...(inline.history === null ? [] : [inline.history])];
  let history: PromptAnalysis["history"] = null;
  for (const source of historySources) {
    const found = firstUserPromptIn(source);
    if (found === undefined) {
      continue; // Not recognisable as history; treat as plain extra context.
    }
    if (history === null || history.firstUserPrompt === null) {
      history = { firstUserPrompt: found };
    }
  }

  return { text: inline.prompt, command: findCommand(inline.prompt), history };
}

/** The last line that starts with `/word` selects the command. */
export function findCommand(text: string): Command | null {
  const lines = text.split(/\r?\n/);
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const match = COMMAND_LINE.exec((lines[index] ?? "").trim());
    if (match) {
      const argText = match[2] ?? "";
      const args = argText.split(/\s+/).filter((arg) => arg.length > 0);
      return { name: (match[1] ?? "").toLowerCase(), args, argText };
    }
  }
  return null;
}

/**
 * Split `User: …` / `Agent: …` history lines off the top of a single block.
 * The new prompt is whatever follows the last history line; if nothing does,
 * the block is not treated as history at all (it is the prompt itself).
 */
function splitInlineHistory(text: string): { history: string | null; prompt: string } {
  const lines = text.split(/\r?\n/);
  let lastHistoryLine = -1;
  lines.forEach((line, index) => {
    if (HISTORY_LINE.test(line)) {
      lastHistoryLine = index;
    }
  });
  if (lastHistoryLine === -1) {
    return { history: null, prompt: text.trim() };
  }
  // A footer marker right after the history still belongs to the history.
  let promptStart = lastHistoryLine + 1;
  while (promptStart < lines.length && MARKER_LINE.test((lines[promptStart] ?? "").trim())) {
    promptStart += 1;
  }
  const prompt = lines.slice(promptStart).join("\n").trim();
  if (prompt.length === 0) {
    return { history: null, prompt: text.trim() };
  }
  return { history: lines.slice(0, promptStart).join("\n"), prompt };
}

/**
 * First user prompt recorded in a history text.
 * Returns undefined when the text is not history in a format we know,
 * null when it is history but holds no user prompt (e.g. truncated).
 */
function firstUserPromptIn(text: string): string | null | undefined {
  if (text.startsWith(SDK_REPLAY_PREFIX)) {
    return firstUserPromptInSdkReplay(text);
  }
  return firstUserPromptInSeed(text);
}

/**
 * SDK replay: one JSON line per recorded envelope, `{createdAt, sender, payload}`.
 * The first client `session/prompt` is the first user prompt; that prompt may
 * itself carry an older replay (a session restored twice), so recurse.
 */
function firstUserPromptInSdkReplay(text: string): string | null {
  for (const line of text.split("\n").slice(1)) {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      continue; // e.g. the trailing "[history truncated]" marker
    }
    if (!isRecord(event) || !isRecord(event.payload)) {
      continue;
    }
    const payload = event.payload;
    if (payload.method !== "session/prompt" || !isRecord(payload.params)) {
      continue;
    }
    const nested = analysePrompt(payload.params.prompt);
    return nested.history ? nested.history.firstUserPrompt : nested.text;
  }
  return null;
}

/**
 * Portal seed: one `User: <text>` / `Agent: <text>` line per message.
 * Continuation lines belong to the entry above, up to the next entry or
 * `[marker]` line.
 */
function firstUserPromptInSeed(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => HISTORY_LINE.exec(line)?.[1] === "User");
  if (start === -1) {
    return undefined;
  }
  const collected = [HISTORY_LINE.exec(lines[start] ?? "")?.[2] ?? ""];
  for (const line of lines.slice(start + 1)) {
    if (HISTORY_LINE.test(line) || MARKER_LINE.test(line.trim())) {
      break;
    }
    collected.push(line);
  }
  return collected.join("\n").trim();
}

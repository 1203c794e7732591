// A tool call's input in the form a person reads before answering its permission: the command line
// of a command, the path and the text of a file write, the change of a file edit (as a diff), and
// anything else as indented JSON. Agents name the same things differently (Claude Code `file_path`,
// `old_string`; OpenCode `filePath`, `oldString`; the demo agent `path`, `content`; Codex a command
// as an argv array), so each part is looked up under the names the installed agents use.

export type ReadableInput =
  | { kind: "command"; command: string; description: string | null; rest: Record<string, unknown> }
  | { kind: "write"; path: string; content: string; rest: Record<string, unknown> }
  | { kind: "edit"; path: string; oldText: string; newText: string; rest: Record<string, unknown> }
  | { kind: "text"; text: string }
  | { kind: "json"; text: string };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

const PATH_KEYS = ["path", "file_path", "filePath", "filename", "notebook_path", "abs_path"];
const CONTENT_KEYS = ["content", "contents", "new_source", "text"];
const OLD_KEYS = ["old_string", "oldString", "old_text", "oldText"];
const NEW_KEYS = ["new_string", "newString", "new_text", "newText"];
const COMMAND_KEYS = ["command", "cmd"];

function pick(input: Json, keys: string[]): [string, string] | null {
  for (const key of keys) if (typeof input[key] === "string") return [key, input[key]];
  return null;
}

/** What is left once the shown parts are taken out, without empty values (`replace_all: false` is noise). */
function restOf(input: Json, used: Array<string | undefined>): Json {
  return Object.fromEntries(
    Object.entries(input).filter(([key, value]) => !used.includes(key) && value !== null && value !== undefined && value !== "" && value !== false),
  );
}

const SHELL_SAFE = /^[\w@%+=:,./-]+$/;
const quote = (arg: string) => (SHELL_SAFE.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);

/** An argv as one command line; `bash -lc "<script>"` (Codex) is the script itself. */
function commandLine(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (!Array.isArray(value) || value.length === 0 || !value.every((arg) => typeof arg === "string")) return null;
  const argv = value;
  if (argv.length === 3 && /^(ba|z|)sh$/.test(argv[0]!.split("/").pop()!) && /^-l?c$/.test(argv[1]!)) return argv[2]!;
  return argv.map(quote).join(" ");
}

export function readableInput(input: unknown, toolKind: string): ReadableInput {
  if (typeof input === "string") return { kind: "text", text: input };
  if (!isObject(input)) return { kind: "json", text: JSON.stringify(input, null, 2) ?? String(input) };
  const path = pick(input, PATH_KEYS);
  const oldText = pick(input, OLD_KEYS);
  const newText = pick(input, NEW_KEYS);
  if (path && oldText && newText) {
    return { kind: "edit", path: path[1], oldText: oldText[1], newText: newText[1], rest: restOf(input, [path[0], oldText[0], newText[0]]) };
  }
  const content = pick(input, CONTENT_KEYS);
  if (path && content) return { kind: "write", path: path[1], content: content[1], rest: restOf(input, [path[0], content[0]]) };
  const commandKey = COMMAND_KEYS.find((key) => key in input);
  const command = commandKey ? commandLine(input[commandKey]) : null;
  if (commandKey && command !== null && (toolKind === "execute" || toolKind === "other" || !path)) {
    const description = typeof input.description === "string" && input.description ? input.description : null;
    return { kind: "command", command, description, rest: restOf(input, [commandKey, description ? "description" : undefined]) };
  }
  return { kind: "json", text: JSON.stringify(input, null, 2) };
}

/** The leftover fields as short lines ("cwd: /work"), nested values as compact JSON. */
export function restLines(rest: Json): string[] {
  return Object.entries(rest).map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

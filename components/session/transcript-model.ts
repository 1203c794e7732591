// Turns the mirrored event history into what people read: chunks merged into messages and thoughts,
// one card per tool call updated in place (with its permission request and the answer inside), one
// plan checklist per turn updated in place, setting changes in words, and plain-language separators.
// Pure and incremental: applying one event touches only the item it changes (a new object for that
// item, so memoised rows re-render alone). Every item lists the event indexes it was made from.
//
// Tool calls are keyed by the runtime session they belong to, never by their id alone: an agent's
// ids are unique within one of its sessions only, and a restored session (a new runtime session,
// after a `restored` event) numbers its calls from the start again. A turn ends where the agent's
// last update of that turn is, even when the prompt's result (turn_ended) arrived first.

import type { EventJson } from "@/lib/contract/events";
import type { PermissionOptionJson } from "@/lib/contract/permissions";
import type { UsageJson } from "@/lib/contract/sessions";

export type StreamEvent = EventJson;

export interface PermissionState {
  permissionId: string;
  options: PermissionOptionJson[];
  /** pending, or the answer: once / always / reject / cancelled / expired, or interrupted (its turn was cut off). */
  reply: string;
  by: string | null;
  at: string | null;
}

export interface ToolDiff {
  path: string;
  oldText: string | null;
  newText: string;
}

interface Base {
  key: string;
  /** Indexes of the events this item was made from (its raw events). */
  events: number[];
}

export type TranscriptItem = Base &
  (
    | { kind: "user"; text: string; links: string[] }
    | { kind: "agent"; text: string }
    | { kind: "thought"; text: string }
    | {
        kind: "tool";
        toolCallId: string;
        title: string;
        toolKind: string;
        status: string;
        rawInput: unknown;
        output: string | null;
        diffs: ToolDiff[];
        terminal: boolean;
        permission: PermissionState | null;
      }
    /** `ended`: the turn was cut off (interrupted), stopped (cancelled) or ended normally ("ended") before the plan was done. */
    | { kind: "plan"; entries: Array<{ content: string; status: string }>; ended: string | null }
    /** A notice the agent sent as a message (e.g. Codex's warnings). */
    | { kind: "agent_notice"; text: string }
    | { kind: "setting"; label: string; value: string; by: string | null }
    | { kind: "turn_end"; stopReason: string }
    | { kind: "separator"; tone: "info" | "warning"; text: string }
  );

export interface TranscriptState {
  items: TranscriptItem[];
  lastIndex: number;
  /** The status the events say (the last status event, or idle after a turn end). */
  status: string | null;
  usage: UsageJson | null;
  /** Permissions still waiting for an answer. */
  pending: Set<string>;
  /** The slash commands the agent last announced (available_commands_update). */
  commands: AgentCommand[];
  /** Item positions for in-place updates. */
  openMessage: number | null;
  /** The `messageId` of the open message's chunks, when the agent sends one. */
  openMessageId: string | null;
  openThought: number | null;
  plan: number | null;
  /** Tool calls by `${runtime session}/${toolCallId}`. */
  tools: Map<string, number>;
  permissions: Map<string, number>;
  /** Counts `restored` events: each starts a new runtime session whose tool call ids start again. */
  epoch: number;
  /** Positions of the current turn's tool cards and permissions (closed at the turn's end). */
  turnTools: number[];
  /** The position of the last turn end while no prompt followed it (late updates go before it), and the message it closed. */
  endedTurn: {
    position: number;
    stopReason: string;
    message: number | null;
    messageId: string | null;
    thought: number | null;
    plan: number | null;
    tools: number[];
  } | null;
}

export interface AgentCommand {
  name: string;
  description: string;
  /** What the command takes after its name, when it takes something. */
  hint: string | null;
}

export function emptyTranscript(): TranscriptState {
  return {
    items: [],
    lastIndex: 0,
    status: null,
    usage: null,
    pending: new Set(),
    commands: [],
    openMessage: null,
    openMessageId: null,
    openThought: null,
    plan: null,
    tools: new Map(),
    permissions: new Map(),
    epoch: 0,
    turnTools: [],
    endedTurn: null,
  };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === "string" ? value : "");

type Item<K extends TranscriptItem["kind"]> = Extract<TranscriptItem, { kind: K }>;
type NewItem = TranscriptItem extends infer T ? (T extends TranscriptItem ? Omit<T, "key" | "events"> : never) : never;

function push(state: TranscriptState, event: StreamEvent, item: NewItem) {
  state.items.push({ ...item, key: `e${event.index}`, events: [event.index] });
  return state.items.length - 1;
}

function update<K extends TranscriptItem["kind"]>(state: TranscriptState, position: number, event: StreamEvent, change: (item: Item<K>) => Partial<Item<K>>) {
  const item = state.items[position] as Item<K> | undefined;
  if (item) state.items[position] = { ...item, ...change(item), events: [...item.events, event.index] };
}

function contentText(content: unknown): string {
  if (isObject(content) && content.type === "text") return text(content.text);
  if (isObject(content) && content.type === "content") return contentText(content.content);
  if (Array.isArray(content)) return content.map(contentText).join("");
  return "";
}

function contentDiffs(content: unknown): ToolDiff[] {
  if (!Array.isArray(content)) return [];
  return content
    .filter((entry): entry is Json => isObject(entry) && entry.type === "diff" && typeof entry.newText === "string")
    .map((entry) => ({ path: text(entry.path), oldText: typeof entry.oldText === "string" ? entry.oldText : null, newText: text(entry.newText) }));
}

const hasTerminal = (content: unknown) => Array.isArray(content) && content.some((entry) => isObject(entry) && entry.type === "terminal");

/** Applies events in index order; events at or below lastIndex are ignored (resumed streams). */
export function applyEvents(state: TranscriptState, events: StreamEvent[]): TranscriptState {
  for (const event of events) {
    if (event.index <= state.lastIndex) continue;
    state.lastIndex = event.index;
    applyEvent(state, event);
  }
  return state;
}

/** The transcript of a list of events from scratch. */
export function transcriptOf(events: StreamEvent[]): TranscriptState {
  return applyEvents(emptyTranscript(), events);
}

function applyEvent(state: TranscriptState, event: StreamEvent) {
  const payload = event.payload;
  if (!isObject(payload)) return;
  if (event.sender === "portal") {
    applyPortalEvent(state, payload, event);
    return;
  }
  const params = isObject(payload.params) ? payload.params : {};
  if (event.sender === "client" && payload.method === "session/prompt") {
    const blocks = Array.isArray(params.prompt) ? params.prompt : [];
    const visible = blocks.filter((block) => isObject(block) && !(isObject(block._meta) && block._meta.portalSeed));
    const userText = visible
      .filter((block) => isObject(block) && block.type === "text")
      .map((block) => text((block as Json).text))
      .join("\n");
    const links = visible.filter((block) => isObject(block) && block.type === "resource_link").map((block) => text((block as Json).uri));
    closeTurnState(state);
    state.endedTurn = null;
    push(state, event, { kind: "user", text: userText, links });
    return;
  }
  if (event.sender !== "agent" || payload.method !== "session/update" || !isObject(params.update)) return;
  const change = params.update;
  const kind = text(change.sessionUpdate);
  if (kind === "available_commands_update") {
    state.commands = commandsOf(change.availableCommands);
    return;
  }
  if (kind === "usage_update") {
    const cost =
      isObject(change.cost) && typeof change.cost.amount === "number" ? { amount: change.cost.amount, currency: text(change.cost.currency) || "USD" } : null;
    state.usage = { used: typeof change.used === "number" ? change.used : null, size: typeof change.size === "number" ? change.size : null, cost };
    return;
  }
  if (!TRANSCRIPT_UPDATES.has(kind)) return;
  // The agent's last updates of a turn can arrive after the prompt's result: they go before its end,
  // which moves down below them (it is the last row: taking it off moves no other row).
  const ended = state.endedTurn;
  const late = ended !== null && ended.position === state.items.length - 1 ? ended : null;
  if (late) {
    const [turnEnd] = state.items.splice(late.position, 1);
    state.openMessage = late.message;
    state.openMessageId = late.messageId;
    state.openThought = late.thought;
    state.plan = late.plan;
    state.turnTools = late.tools;
    applyAgentUpdate(state, change, kind, event, scopeOf(state));
    late.message = state.openMessage;
    late.messageId = state.openMessageId;
    late.thought = state.openThought;
    late.plan = state.plan;
    late.tools = state.turnTools;
    late.position = state.items.length;
    state.items.push(turnEnd!);
    // What arrives after a turn's end finds nothing open (the turn is over).
    closeTurnState(state);
    // A late tool call or plan of a cut-off turn is cut off too; a late plan update of a turn that
    // ended normally says again whether the plan was finished.
    closeTurnItems(state, late.tools, late.plan, late.stopReason, event, false);
    return;
  }
  applyAgentUpdate(state, change, kind, event, scopeOf(state));
}

const TRANSCRIPT_UPDATES = new Set(["agent_message_chunk", "agent_thought_chunk", "tool_call", "tool_call_update", "plan"]);

function closeTurnState(state: TranscriptState) {
  state.openMessage = null;
  state.openMessageId = null;
  state.openThought = null;
  state.plan = null;
  state.turnTools = [];
}

/** The runtime session a tool call id belongs to: ids restart in a restored session. */
const scopeOf = (state: TranscriptState) => `r${state.epoch}`;
const toolKey = (scope: string, toolCallId: string) => `${scope}/${toolCallId}`;

function commandsOf(value: unknown): AgentCommand[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isObject)
    .map((command) => ({
      name: text(command.name).replace(/^\//, ""),
      description: text(command.description),
      hint: isObject(command.input) ? text(command.input.hint) || null : null,
    }))
    .filter((command) => command.name.length > 0);
}

// Codex forwards its warnings (an unknown model, a long conversation) as an agent message of one
// chunk; these forms are told apart from an answer so they read as a notice, not as the reply.
const AGENT_WARNING = [/^\s*(warning|heads up)\b\s*[:!,-]/i, /\bnot found\. Defaulting to fallback\b/i, /^\s*⚠/];
const isAgentWarning = (chunk: string) => AGENT_WARNING.some((pattern) => pattern.test(chunk));

/** A TodoWrite-style tool call: OpenCode sends its todo list as a tool call named so, not as a plan. */
function isTodoCall(change: Json) {
  const name = text(change.title) || (isObject(change._meta) && isObject(change._meta.claudeCode) ? text(change._meta.claudeCode.toolName) : "");
  return name.toLowerCase().replace(/[\s_-]/g, "") === "todowrite";
}

/** The todo list in such a call's input, when it has one yet. */
function todoEntries(change: Json): Array<{ content: string; status: string }> | null {
  const input = isObject(change.rawInput) ? change.rawInput : null;
  if (!input || !Array.isArray(input.todos)) return null;
  return input.todos.filter(isObject).map((todo) => ({ content: text(todo.content), status: text(todo.status) || "pending" }));
}

/** Stands in the tool map for a todo call whose list has not arrived yet (nothing shown). */
const TODO_CALL = -1;

function applyAgentUpdate(state: TranscriptState, change: Json, kind: string, event: StreamEvent, scope: string) {
  switch (kind) {
    case "agent_message_chunk": {
      const chunk = contentText(change.content);
      const messageId = typeof change.messageId === "string" ? change.messageId : null;
      if (state.openMessage === null && isAgentWarning(chunk)) {
        push(state, event, { kind: "agent_notice", text: chunk.trim() });
        state.openThought = null;
        return;
      }
      // A new messageId starts a new message (ACP: all chunks of one message share one).
      if (state.openMessage !== null && messageId !== null && state.openMessageId !== null && messageId !== state.openMessageId) state.openMessage = null;
      if (state.openMessage === null) {
        state.openMessage = push(state, event, { kind: "agent", text: chunk });
        state.openMessageId = messageId;
      } else update<"agent">(state, state.openMessage, event, (item) => ({ text: item.text + chunk }));
      state.openThought = null;
      return;
    }
    case "agent_thought_chunk": {
      const chunk = contentText(change.content);
      if (state.openThought === null) state.openThought = push(state, event, { kind: "thought", text: chunk });
      else update<"thought">(state, state.openThought, event, (item) => ({ text: item.text + chunk }));
      return;
    }
    case "tool_call":
    case "tool_call_update": {
      const id = text(change.toolCallId);
      const key = toolKey(scope, id || `e${event.index}`);
      const known = state.tools.get(key);
      if (
        (kind === "tool_call" && known === undefined && isTodoCall(change)) ||
        known === TODO_CALL ||
        (known !== undefined && state.items[known]?.kind === "plan")
      ) {
        // The checklist of the turn, not a tool card: the call's input is the whole list each time.
        state.openMessage = null;
        const todos = todoEntries(change);
        state.tools.set(key, todos === null ? (known ?? TODO_CALL) : setPlan(state, event, todos));
        return;
      }
      if (kind === "tool_call_update" && known === undefined) return;
      state.openMessage = null;
      const output = contentText(change.content);
      const diffs = contentDiffs(change.content);
      if (known !== undefined) {
        // A second tool_call with the same id (Claude Code: an empty one, then the full one) or an update:
        // what it says replaces what the card had; what it leaves out stays.
        update<"tool">(state, known, event, (item) => ({
          status: text(change.status) || item.status,
          title: text(change.title) || item.title,
          toolKind: text(change.kind) || item.toolKind,
          output: output || item.output,
          diffs: diffs.length > 0 ? diffs : item.diffs,
          terminal: item.terminal || hasTerminal(change.content),
          rawInput: isEmptyInput(change.rawInput) ? item.rawInput : change.rawInput,
        }));
        return;
      }
      const position = push(state, event, {
        kind: "tool",
        toolCallId: id || `e${event.index}`,
        permission: null,
        title: text(change.title) || "Tool call",
        toolKind: text(change.kind) || "other",
        status: text(change.status) || "pending",
        rawInput: change.rawInput,
        output: output || null,
        diffs,
        terminal: hasTerminal(change.content),
      });
      state.tools.set(key, position);
      state.turnTools.push(position);
      return;
    }
    case "plan": {
      const entries = Array.isArray(change.entries)
        ? change.entries.filter(isObject).map((entry) => ({ content: text(entry.content), status: text(entry.status) }))
        : [];
      state.openMessage = null;
      setPlan(state, event, entries);
      return;
    }
    default:
      return;
  }
}

const isEmptyInput = (value: unknown) => value === undefined || value === null || (isObject(value) && Object.keys(value).length === 0);

/** One checklist per turn: the agent sends the whole plan each time. */
function setPlan(state: TranscriptState, event: StreamEvent, entries: Array<{ content: string; status: string }>) {
  if (state.plan !== null) update<"plan">(state, state.plan, event, () => ({ entries }));
  else state.plan = push(state, event, { kind: "plan", entries, ended: null });
  return state.plan;
}

const SETTING_LABEL: Record<string, string> = { mode: "Mode", model: "Model", thoughtLevel: "Thought level", thought_level: "Thought level" };

/** "thoughtLevel" → "Thought level", "demo-large" stays as the agent named it, "low" → "Low". */
export function settingLabel(field: string) {
  return (
    SETTING_LABEL[field] ??
    sentenceCase(
      field
        .replace(/([a-z])([A-Z])/g, "$1 $2")
        .replaceAll("_", " ")
        .toLowerCase(),
    )
  );
}
const sentenceCase = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);

function applyPortalEvent(state: TranscriptState, payload: Json, event: StreamEvent) {
  switch (payload.type) {
    case "status":
      state.status = text(payload.status);
      // A restorable session says nothing here: a turn the stop cut off says so at its end, and an
      // idle one simply resumes on the next prompt.
      if (payload.status === "destroyed") push(state, event, { kind: "separator", tone: "warning", text: "Session destroyed. The history stays readable." });
      return;
    case "turn_ended": {
      const stopReason = text(payload.stopReason);
      // The turn's end commits status idle with it; no separate status event follows.
      if (state.status === "running") state.status = "idle";
      for (const id of state.pending) closePermission(state, id, event, { reply: "cancelled", by: null });
      closeTurnItems(state, state.turnTools, state.plan, stopReason, event, true);
      const position = push(state, event, { kind: "turn_end", stopReason });
      state.endedTurn = {
        position,
        stopReason,
        message: state.openMessage,
        messageId: state.openMessageId,
        thought: state.openThought,
        plan: state.plan,
        tools: state.turnTools,
      };
      closeTurnState(state);
      return;
    }
    case "permission_requested": {
      const toolCall = isObject(payload.toolCall) ? payload.toolCall : {};
      const options = Array.isArray(payload.options)
        ? payload.options.filter(isObject).map((option) => ({ optionId: text(option.optionId), name: text(option.name), kind: text(option.kind) }))
        : [];
      const permissionId = text(payload.permissionId);
      const permission: PermissionState = { permissionId, options, reply: "pending", by: null, at: null };
      state.openMessage = null;
      state.pending.add(permissionId);
      // Inside the card of the tool call it is about (in this runtime session); a request for a call
      // never announced gets its own card.
      const id = text(toolCall.toolCallId);
      const key = toolKey(scopeOf(state), id || `permission-${permissionId}`);
      let position = id ? state.tools.get(key) : lastOpenTool(state, text(toolCall.title));
      if (position !== undefined && state.items[position]?.kind !== "tool") position = undefined;
      if (position !== undefined) {
        update<"tool">(state, position, event, (item) => ({
          permission,
          rawInput: isEmptyInput(item.rawInput) && !isEmptyInput(toolCall.rawInput) ? toolCall.rawInput : item.rawInput,
        }));
      } else {
        position = push(state, event, {
          kind: "tool",
          toolCallId: id || `permission-${permissionId}`,
          title: text(toolCall.title) || "Tool call",
          toolKind: text(toolCall.kind) || "other",
          status: "pending",
          rawInput: toolCall.rawInput,
          output: null,
          diffs: [],
          terminal: false,
          permission,
        });
        state.tools.set(key, position);
        state.turnTools.push(position);
      }
      state.permissions.set(permissionId, position);
      return;
    }
    case "permission_resolved":
      closePermission(state, text(payload.permissionId), event, { reply: text(payload.reply), by: text(payload.by) || null });
      return;
    case "restored":
      // A new runtime session: its tool call ids are its own.
      state.epoch += 1;
      closeTurnState(state);
      state.endedTurn = null;
      push(state, event, {
        kind: "separator",
        tone: "info",
        text:
          payload.method === "load"
            ? "Resumed after the runtime restarted: the agent reopened its own session."
            : "Resumed after the runtime restarted: the agent was given the conversation so far.",
      });
      return;
    case "gap":
      push(state, event, {
        kind: "separator",
        tone: "warning",
        text:
          payload.cause === "database"
            ? `${Number(payload.missing)} message${Number(payload.missing) === 1 ? "" : "s"} could not be stored here (the database refused them).`
            : `${Number(payload.missing)} message${Number(payload.missing) === 1 ? "" : "s"} from the agent were lost in transit and could not be recovered.`,
      });
      return;
    case "budget_reached":
      push(state, event, {
        kind: "separator",
        tone: "warning",
        text: text(payload.message) || "The budget for this month is reached: model calls are refused.",
      });
      return;
    case "limit":
    case "limit_hit": // as histories recorded before 2026-12-07 name it, with `message`
      push(state, event, {
        kind: "separator",
        tone: "warning",
        text: `The sandbox stopped: ${text(payload.detail ?? payload.message)}. The session continues on its next prompt.`,
      });
      return;
    case "config_changed":
      push(state, event, { kind: "setting", label: settingLabel(text(payload.field)), value: text(payload.value), by: text(payload.by) || null });
      return;
    case "sandbox_queue": {
      // One line for the whole wait: each new place rewrites it.
      const position = Number(payload.position);
      const waiting = state.items.at(-1);
      const line = position > 0 ? `Waiting for a sandbox: ${ordinal(position)} in line.` : "Waited for a sandbox; it is starting.";
      if (waiting?.kind === "separator" && waiting.key.startsWith("queue-")) update<"separator">(state, state.items.length - 1, event, () => ({ text: line }));
      else state.items.push({ kind: "separator", tone: "info", text: line, key: `queue-${event.index}`, events: [event.index] });
      return;
    }
    case "pushed":
      push(state, event, {
        kind: "separator",
        tone: "info",
        text: `Pushed ${text(payload.commit).slice(0, 12)} to branch ${text(payload.branch)}${payload.compareUrl ? ` · ${text(payload.compareUrl)}` : ""}`,
      });
      return;
    default:
      return;
  }
}

/** The word a turn's end gives to what it left unfinished: one word for badge, answer and plan alike. */
export function unfinishedAs(stopReason: string): string {
  return stopReason === "interrupted" ? "interrupted" : stopReason === "cancelled" ? "cancelled" : "stopped";
}

const OPEN_TOOL = new Set(["pending", "in_progress"]);
const UNANSWERED = new Set(["pending", "cancelled", "expired"]);

/**
 * A turn that did not end normally closes what it left open in the same words: its running tool
 * calls, unanswered permissions and unfinished plan all say "interrupted" (or "cancelled", "stopped").
 * A turn that ended normally leaves its calls as the agent last said, but a plan it did not finish
 * says so ("ended"): its step in progress is no longer in progress.
 */
function closeTurnItems(state: TranscriptState, tools: number[], plan: number | null, stopReason: string, event: StreamEvent, record: boolean) {
  const word = stopReason === "end_turn" ? PLAN_LEFT_UNFINISHED : unfinishedAs(stopReason);
  const touch = record ? update : quietUpdate;
  if (stopReason !== "end_turn") {
    for (const position of tools) {
      const item = state.items[position];
      if (item?.kind !== "tool") continue;
      const status = OPEN_TOOL.has(item.status) ? word : item.status;
      const permission =
        item.permission && UNANSWERED.has(item.permission.reply) && word === "interrupted"
          ? { ...item.permission, reply: word, at: item.permission.at ?? event.createdAt }
          : item.permission;
      if (status !== item.status || permission !== item.permission) touch<"tool">(state, position, event, () => ({ status, permission }));
    }
  }
  const planItem = plan === null ? undefined : state.items[plan];
  if (plan === null || planItem?.kind !== "plan") return;
  // Re-judged on every late plan update: a plan the agent completed after all is not unfinished.
  const ended = planItem.entries.some((entry) => entry.status !== "completed") ? word : null;
  if (ended !== planItem.ended) touch<"plan">(state, plan, event, () => ({ ended }));
}

/** A plan's `ended` when its turn ended normally with steps not done. */
export const PLAN_LEFT_UNFINISHED = "ended";

function quietUpdate<K extends TranscriptItem["kind"]>(
  state: TranscriptState,
  position: number,
  _event: StreamEvent,
  change: (item: Item<K>) => Partial<Item<K>>,
) {
  const item = state.items[position] as Item<K> | undefined;
  if (item) state.items[position] = { ...item, ...change(item) };
}

function closePermission(state: TranscriptState, permissionId: string, event: StreamEvent, answer: { reply: string; by: string | null }) {
  state.pending.delete(permissionId);
  const position = state.permissions.get(permissionId);
  if (position === undefined) return;
  // The latest word on a request is what it shows (an answer that came too late turns to expired).
  update<"tool">(state, position, event, (item) =>
    item.permission ? { permission: { ...item.permission, reply: answer.reply, by: answer.by, at: event.createdAt } } : {},
  );
}

function lastOpenTool(state: TranscriptState, title: string) {
  for (let i = state.items.length - 1; i >= 0; i--) {
    const item = state.items[i]!;
    if (item.kind === "user") return undefined;
    if (item.kind === "tool" && item.permission === null && (item.title === title || !title) && (item.status === "pending" || item.status === "in_progress"))
      return i;
  }
  return undefined;
}

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th");
  return `${n}${suffix}`;
}

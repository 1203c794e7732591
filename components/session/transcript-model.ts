// Turns the mirrored event history into what people read: chunks merged into messages and thoughts,
// one card per tool call updated in place (with its permission request and the answer inside), one
// plan checklist per turn updated in place, setting changes in words, and plain-language separators.
// Pure and incremental: applying one event touches only the item it changes (a new object for that
// item, so memoised rows re-render alone). Every item lists the event indexes it was made from.

import type { EventJson } from "@/lib/contract/events";
import type { PermissionOptionJson } from "@/lib/contract/permissions";
import type { UsageJson } from "@/lib/contract/sessions";

export type StreamEvent = EventJson;

export interface PermissionState {
  permissionId: string;
  options: PermissionOptionJson[];
  /** pending, or the answer: once / always / reject / cancelled / expired. */
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
    | { kind: "tool"; toolCallId: string; title: string; toolKind: string; status: string; rawInput: unknown; output: string | null; diffs: ToolDiff[]; terminal: boolean; permission: PermissionState | null }
    | { kind: "plan"; entries: Array<{ content: string; status: string }> }
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
  /** Item positions for in-place updates. */
  openMessage: number | null;
  openThought: number | null;
  plan: number | null;
  tools: Map<string, number>;
  permissions: Map<string, number>;
}

export function emptyTranscript(): TranscriptState {
  return { items: [], lastIndex: 0, status: null, usage: null, pending: new Set(), openMessage: null, openThought: null, plan: null, tools: new Map(), permissions: new Map() };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === "string" ? value : "");

type Item<K extends TranscriptItem["kind"]> = Extract<TranscriptItem, { kind: K }>;
type NewItem = TranscriptItem extends infer T ? (T extends TranscriptItem ? Omit<T, "key" | "events"> : never) : never;

function push(state: TranscriptState, event: StreamEvent, item: NewItem) {
  state.items.push({ ...item, key: `e${event.index}`, events: [event.index] } as TranscriptItem);
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
    const userText = visible.filter((block) => isObject(block) && block.type === "text").map((block) => text((block as Json).text)).join("\n");
    const links = visible.filter((block) => isObject(block) && block.type === "resource_link").map((block) => text((block as Json).uri));
    state.openMessage = null;
    state.openThought = null;
    state.plan = null;
    push(state, event, { kind: "user", text: userText, links });
    return;
  }
  if (event.sender !== "agent" || payload.method !== "session/update" || !isObject(params.update)) return;
  const change = params.update;
  switch (change.sessionUpdate) {
    case "agent_message_chunk": {
      const chunk = contentText(change.content);
      if (state.openMessage === null) state.openMessage = push(state, event, { kind: "agent", text: chunk });
      else update<"agent">(state, state.openMessage, event, (item) => ({ text: item.text + chunk }));
      state.openThought = null;
      return;
    }
    case "agent_thought_chunk": {
      const chunk = contentText(change.content);
      if (state.openThought === null) state.openThought = push(state, event, { kind: "thought", text: chunk });
      else update<"thought">(state, state.openThought, event, (item) => ({ text: item.text + chunk }));
      return;
    }
    case "tool_call": {
      const id = text(change.toolCallId) || `e${event.index}`;
      state.openMessage = null;
      const known = state.tools.get(id);
      const fields = {
        title: text(change.title) || "Tool call",
        toolKind: text(change.kind) || "other",
        status: text(change.status) || "pending",
        rawInput: change.rawInput,
        output: contentText(change.content) || null,
        diffs: contentDiffs(change.content),
        terminal: hasTerminal(change.content),
      };
      if (known !== undefined) update<"tool">(state, known, event, () => fields);
      else state.tools.set(id, push(state, event, { kind: "tool", toolCallId: id, permission: null, ...fields }));
      return;
    }
    case "tool_call_update": {
      const position = state.tools.get(text(change.toolCallId));
      if (position === undefined) return;
      const output = contentText(change.content);
      const diffs = contentDiffs(change.content);
      update<"tool">(state, position, event, (item) => ({
        status: text(change.status) || item.status,
        title: text(change.title) || item.title,
        output: output || item.output,
        diffs: diffs.length > 0 ? diffs : item.diffs,
        terminal: item.terminal || hasTerminal(change.content),
        rawInput: change.rawInput ?? item.rawInput,
      }));
      return;
    }
    case "plan": {
      const entries = Array.isArray(change.entries) ? change.entries.filter(isObject).map((entry) => ({ content: text(entry.content), status: text(entry.status) })) : [];
      state.openMessage = null;
      // One checklist per turn: the agent sends the whole plan each time.
      if (state.plan !== null) update<"plan">(state, state.plan, event, () => ({ entries }));
      else state.plan = push(state, event, { kind: "plan", entries });
      return;
    }
    case "usage_update": {
      const cost = isObject(change.cost) && typeof change.cost.amount === "number" ? { amount: change.cost.amount, currency: text(change.cost.currency) || "USD" } : null;
      state.usage = { used: typeof change.used === "number" ? change.used : null, size: typeof change.size === "number" ? change.size : null, cost };
      return;
    }
    default:
      return;
  }
}

const SETTING_LABEL: Record<string, string> = { mode: "Mode", model: "Model", thoughtLevel: "Thought level", thought_level: "Thought level" };

/** "thoughtLevel" → "Thought level", "demo-large" stays as the agent named it, "low" → "Low". */
export function settingLabel(field: string) {
  return SETTING_LABEL[field] ?? sentenceCase(field.replace(/([a-z])([A-Z])/g, "$1 $2").replaceAll("_", " ").toLowerCase());
}
const sentenceCase = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);

function applyPortalEvent(state: TranscriptState, payload: Json, event: StreamEvent) {
  switch (payload.type) {
    case "status":
      state.status = text(payload.status);
      if (payload.status === "destroyed") push(state, event, { kind: "separator", tone: "warning", text: "Session destroyed. The history stays readable." });
      if (payload.status === "restorable")
        push(state, event, { kind: "separator", tone: "info", text: "Paused: the runtime stopped (a restart, or the sandbox went away). The next prompt picks up with the conversation so far." });
      return;
    case "turn_ended":
      state.openMessage = null;
      state.openThought = null;
      state.plan = null;
      // The turn's end commits status idle with it; no separate status event follows.
      if (state.status === "running") state.status = "idle";
      for (const id of state.pending) closePermission(state, id, event, { reply: "cancelled", by: null });
      push(state, event, { kind: "turn_end", stopReason: text(payload.stopReason) });
      return;
    case "permission_requested": {
      const toolCall = isObject(payload.toolCall) ? payload.toolCall : {};
      const options = Array.isArray(payload.options) ? payload.options.filter(isObject).map((option) => ({ optionId: text(option.optionId), name: text(option.name), kind: text(option.kind) })) : [];
      const permissionId = text(payload.permissionId);
      const permission: PermissionState = { permissionId, options, reply: "pending", by: null, at: null };
      state.openMessage = null;
      state.pending.add(permissionId);
      // Inside the card of the tool call it is about; a request for a call never announced gets its own card.
      let position = state.tools.get(text(toolCall.toolCallId));
      if (position === undefined && !toolCall.toolCallId) position = lastOpenTool(state, text(toolCall.title));
      if (position !== undefined) {
        update<"tool">(state, position, event, () => ({ permission }));
      } else {
        const id = text(toolCall.toolCallId) || `permission-${permissionId}`;
        position = push(state, event, { kind: "tool", toolCallId: id, title: text(toolCall.title) || "Tool call", toolKind: text(toolCall.kind) || "other", status: "pending", rawInput: toolCall.rawInput, output: null, diffs: [], terminal: false, permission });
        state.tools.set(id, position);
      }
      state.permissions.set(permissionId, position);
      return;
    }
    case "permission_resolved":
      closePermission(state, text(payload.permissionId), event, { reply: text(payload.reply), by: text(payload.by) || null });
      return;
    case "restored":
      push(state, event, { kind: "separator", tone: "info", text: "Restored after the runtime restarted: the agent was given the conversation so far." });
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
      push(state, event, { kind: "separator", tone: "warning", text: text(payload.message) || "The budget for this month is reached: model calls are refused." });
        return;
    case "limit_hit":
      push(state, event, { kind: "separator", tone: "warning", text: `The sandbox stopped: ${text(payload.message)}. The session continues on its next prompt.` });
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
      push(state, event, { kind: "separator", tone: "info", text: `Pushed ${text(payload.commit).slice(0, 12)} to branch ${text(payload.branch)}${payload.compareUrl ? ` · ${text(payload.compareUrl)}` : ""}` });
      return;
    default:
      return;
  }
}

function closePermission(state: TranscriptState, permissionId: string, event: StreamEvent, answer: { reply: string; by: string | null }) {
  state.pending.delete(permissionId);
  const position = state.permissions.get(permissionId);
  if (position === undefined) return;
  update<"tool">(state, position, event, (item) =>
    item.permission && item.permission.reply === "pending" ? { permission: { ...item.permission, reply: answer.reply, by: answer.by, at: event.createdAt } } : {},
  );
}

function lastOpenTool(state: TranscriptState, title: string) {
  for (let i = state.items.length - 1; i >= 0; i--) {
    const item = state.items[i]!;
    if (item.kind === "user") return undefined;
    if (item.kind === "tool" && item.permission === null && (item.title === title || !title) && (item.status === "pending" || item.status === "in_progress")) return i;
  }
  return undefined;
}

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${suffix}`;
}

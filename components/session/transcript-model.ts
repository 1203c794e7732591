// Turns the mirrored event history into what people read: chunks merged into messages and thoughts,
// tool calls updated in place, permission requests with their answers, turn ends. Pure and
// incremental: applying one event touches only the item it changes (a new object for that item, so
// memoised rows re-render alone).

export interface StreamEvent {
  index: number;
  sender: "client" | "agent" | "portal";
  createdAt: string;
  payload: unknown;
}

export type TranscriptItem =
  | { kind: "user"; key: string; text: string; links: string[] }
  | { kind: "agent"; key: string; text: string }
  | { kind: "thought"; key: string; text: string }
  | { kind: "tool"; key: string; toolCallId: string; title: string; toolKind: string; status: string; output: string | null }
  | { kind: "plan"; key: string; entries: Array<{ content: string; status: string }> }
  | { kind: "permission"; key: string; permissionId: string; title: string; toolKind: string; rawInput: unknown; options: Array<{ optionId: string; name: string; kind: string }>; state: string; by: string | null }
  | { kind: "turn_end"; key: string; stopReason: string }
  | { kind: "notice"; key: string; tone: "info" | "warning"; text: string };

export interface TranscriptState {
  items: TranscriptItem[];
  lastIndex: number;
  status: string | null;
  usage: { used: number | null; size: number | null; cost: { amount: number; currency: string } | null } | null;
  /** Item positions for in-place updates. */
  openMessage: number | null;
  openThought: number | null;
  tools: Map<string, number>;
  permissions: Map<string, number>;
}

export function emptyTranscript(): TranscriptState {
  return { items: [], lastIndex: 0, status: null, usage: null, openMessage: null, openThought: null, tools: new Map(), permissions: new Map() };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === "string" ? value : "");

function push(state: TranscriptState, item: TranscriptItem) {
  state.items.push(item);
  return state.items.length - 1;
}

function update<K extends TranscriptItem["kind"]>(state: TranscriptState, position: number, change: (item: Extract<TranscriptItem, { kind: K }>) => Partial<Extract<TranscriptItem, { kind: K }>>) {
  const item = state.items[position] as Extract<TranscriptItem, { kind: K }> | undefined;
  if (item) state.items[position] = { ...item, ...change(item) };
}

function contentText(content: unknown): string {
  if (isObject(content) && content.type === "text") return text(content.text);
  if (Array.isArray(content)) return content.map((entry) => (isObject(entry) && isObject(entry.content) ? contentText(entry.content) : contentText(entry))).join("");
  return "";
}

/** Applies events in index order; events at or below lastIndex are ignored (resumed streams). */
export function applyEvents(state: TranscriptState, events: StreamEvent[]): TranscriptState {
  for (const event of events) {
    if (event.index <= state.lastIndex) continue;
    state.lastIndex = event.index;
    applyEvent(state, event);
  }
  return state;
}

function applyEvent(state: TranscriptState, event: StreamEvent) {
  const payload = event.payload;
  if (!isObject(payload)) return;
  const key = `e${event.index}`;

  if (event.sender === "portal") {
    applyPortalEvent(state, payload, key);
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
    push(state, { kind: "user", key, text: userText, links });
    return;
  }
  if (event.sender !== "agent" || payload.method !== "session/update" || !isObject(params.update)) return;
  const change = params.update;
  switch (change.sessionUpdate) {
    case "agent_message_chunk": {
      const chunk = contentText(change.content);
      if (state.openMessage === null) {
        state.openMessage = push(state, { kind: "agent", key, text: chunk });
      } else {
        update<"agent">(state, state.openMessage, (item) => ({ text: item.text + chunk }));
      }
      state.openThought = null;
      return;
    }
    case "agent_thought_chunk": {
      const chunk = contentText(change.content);
      if (state.openThought === null) state.openThought = push(state, { kind: "thought", key, text: chunk });
      else update<"thought">(state, state.openThought, (item) => ({ text: item.text + chunk }));
      return;
    }
    case "tool_call": {
      const id = text(change.toolCallId) || key;
      state.openMessage = null;
      state.tools.set(id, push(state, { kind: "tool", key, toolCallId: id, title: text(change.title) || "Tool call", toolKind: text(change.kind) || "other", status: text(change.status) || "pending", output: null }));
      return;
    }
    case "tool_call_update": {
      const position = state.tools.get(text(change.toolCallId));
      if (position === undefined) return;
      const output = contentText(change.content);
      update<"tool">(state, position, (item) => ({ status: text(change.status) || item.status, title: text(change.title) || item.title, output: output || item.output }));
      return;
    }
    case "plan": {
      const entries = Array.isArray(change.entries) ? change.entries.filter(isObject).map((entry) => ({ content: text(entry.content), status: text(entry.status) })) : [];
      state.openMessage = null;
      push(state, { kind: "plan", key, entries });
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

const REPLY_LABEL: Record<string, string> = { once: "Allowed once", always: "Always allowed", reject: "Rejected", cancelled: "Cancelled", expired: "Expired" };

function applyPortalEvent(state: TranscriptState, payload: Json, key: string) {
  switch (payload.type) {
    case "status":
      state.status = text(payload.status);
      if (payload.status === "destroyed") push(state, { kind: "notice", key, tone: "warning", text: "Session destroyed. The history stays readable." });
      if (payload.status === "restorable") push(state, { kind: "notice", key, tone: "warning", text: "The runtime lost this session; it can be restored with its history." });
      return;
    case "turn_ended":
      state.openMessage = null;
      state.openThought = null;
      // The turn's end commits status idle with it; no separate status event follows.
      if (state.status === "running") state.status = "idle";
      push(state, { kind: "turn_end", key, stopReason: text(payload.stopReason) });
      return;
    case "permission_requested": {
      const toolCall = isObject(payload.toolCall) ? payload.toolCall : {};
      const options = Array.isArray(payload.options) ? (payload.options.filter(isObject) as Array<{ optionId: string; name: string; kind: string }>) : [];
      state.openMessage = null;
      state.permissions.set(
        text(payload.permissionId),
        push(state, { kind: "permission", key, permissionId: text(payload.permissionId), title: text(toolCall.title), toolKind: text(toolCall.kind), rawInput: toolCall.rawInput, options, state: "pending", by: null }),
      );
      return;
    }
    case "permission_resolved": {
      const position = state.permissions.get(text(payload.permissionId));
      if (position !== undefined) update<"permission">(state, position, () => ({ state: REPLY_LABEL[text(payload.reply)] ?? text(payload.reply), by: text(payload.by) || null }));
      return;
    }
    case "restored":
      push(state, { kind: "notice", key, tone: "info", text: "Session restored on a new runtime session, with the conversation so far." });
      return;
    case "gap":
      push(state, {
        kind: "notice",
        key,
        tone: "warning",
        text:
          payload.cause === "database"
            ? `The database refused ${Number(payload.missing)} message(s); they could not be stored.`
            : `The runtime dropped ${Number(payload.missing)} message(s) that could not be recovered.`,
      });
      return;
    case "config_changed":
      push(state, { kind: "notice", key, tone: "info", text: `${text(payload.field)} set to ${text(payload.value)}` });
      return;
    default:
      return;
  }
}

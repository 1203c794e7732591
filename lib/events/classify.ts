import type { SessionEffects } from "@/lib/events/types";
import type { QueuedEvent } from "@/lib/events/writer";

// What a raw ACP message means for the session row and for search: pure, so it is unit-tested.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** Marks the history block the portal puts in front of a restored session's first prompt. */
export const SEED_META_KEY = "portalSeed";

export function promptText(prompt: unknown): string {
  if (!Array.isArray(prompt)) return "";
  return prompt
    .filter((block) => isObject(block) && block.type === "text" && typeof block.text === "string" && !(isObject(block._meta) && block._meta[SEED_META_KEY]))
    .map((block) => (block as { text: string }).text)
    .join("\n");
}

export function classifyRuntimeMessage(sender: "client" | "agent", payload: unknown): Pick<QueuedEvent, "effects" | "message"> {
  if (!isObject(payload)) return {};
  const params = isObject(payload.params) ? payload.params : undefined;
  if (sender === "client" && payload.method === "session/prompt" && params) {
    return { message: { role: "user", text: promptText(params.prompt), startsNew: true } };
  }
  if (sender !== "agent" || payload.method !== "session/update" || !params || !isObject(params.update)) return {};
  const update = params.update;
  switch (update.sessionUpdate) {
    case "agent_message_chunk": {
      const content = isObject(update.content) ? update.content : undefined;
      const text = content?.type === "text" && typeof content.text === "string" ? content.text : "";
      return text ? { message: { role: "agent", text, startsNew: false } } : {};
    }
    case "usage_update":
      return { effects: { usage: usageFrom(update) } };
    case "current_mode_update":
      return typeof update.currentModeId === "string" ? { effects: { mode: update.currentModeId } } : {};
    case "config_option_update":
      return Array.isArray(update.configOptions) ? { effects: effectsFromConfigOptions(update.configOptions) } : {};
    default:
      return {};
  }
}

function usageFrom(update: Json) {
  const cost = isObject(update.cost) ? update.cost : null;
  return {
    used: typeof update.used === "number" ? update.used : null,
    size: typeof update.size === "number" ? update.size : null,
    cost: cost && typeof cost.amount === "number" ? { amount: cost.amount, currency: typeof cost.currency === "string" ? cost.currency : "USD" } : null,
  };
}

/** The model, mode and thought level a session's config options say are current. */
export function effectsFromConfigOptions(configOptions: unknown[]): SessionEffects {
  const effects: SessionEffects = { configOptions };
  for (const option of configOptions) {
    if (!isObject(option) || typeof option.currentValue !== "string") continue;
    if (option.category === "model") effects.model = option.currentValue;
    if (option.category === "thought_level") effects.thoughtLevel = option.currentValue;
    if (option.category === "mode") effects.mode = option.currentValue;
  }
  return effects;
}

/** Portal events after which the agent's next text starts a new merged message. */
export function portalEventEndsMessage(payload: unknown): boolean {
  return isObject(payload) && (payload.type === "turn_ended" || payload.type === "restored");
}

/** What a stored event adds to the merged messages, whoever sent it. */
export function messagePartOf(sender: "client" | "agent" | "portal", payload: unknown): Pick<QueuedEvent, "message" | "endsMessage"> {
  if (sender === "portal") return portalEventEndsMessage(payload) ? { endsMessage: true } : {};
  const { message } = classifyRuntimeMessage(sender, payload);
  return message ? { message } : {};
}

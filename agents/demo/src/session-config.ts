import type { SessionConfigOption, SessionConfigSelectOption, SessionModeState } from "./acp-types.js";
import { ErrorCode, RpcError } from "./protocol.js";

// Modes and session config options. The SDK reads options by `category`
// (setModel -> "model", setThoughtLevel -> "thought_level") and derives modes
// from a "mode"-category option, so the mode is offered both as ACP `modes`
// and as the first config option, and the two are always kept in sync.

interface SelectDefinition {
  id: string;
  name: string;
  description: string;
  category: "mode" | "model" | "thought_level";
  defaultValue: string;
  values: readonly SessionConfigSelectOption[];
}

export const MODE_CONFIG_ID = "mode";

const MODE_VALUES: readonly SessionConfigSelectOption[] = [
  { value: "ask", name: "Ask", description: "Answer questions without changing anything." },
  { value: "code", name: "Code", description: "Allowed to propose edits (try /tool)." },
];

const DEFINITIONS: readonly SelectDefinition[] = [
  {
    id: MODE_CONFIG_ID,
    name: "Mode",
    description: "How the demo agent behaves.",
    category: "mode",
    defaultValue: "ask",
    values: MODE_VALUES,
  },
  {
    id: "model",
    name: "Model",
    description: "Pretend model; changes the reported usage and cost.",
    category: "model",
    defaultValue: "demo-small",
    values: [
      { value: "demo-small", name: "Demo Small", description: "Small context window, cheap." },
      { value: "demo-large", name: "Demo Large", description: "Large context window, pricier." },
    ],
  },
  {
    id: "thought_level",
    name: "Thought level",
    description: "How much the demo agent pretends to think.",
    category: "thought_level",
    defaultValue: "medium",
    values: [
      { value: "low", name: "Low" },
      { value: "medium", name: "Medium" },
      { value: "high", name: "High" },
    ],
  },
];

/** Current value per config option id. */
export type ConfigValues = Record<string, string>;

export function defaultConfigValues(): ConfigValues {
  const values: ConfigValues = {};
  for (const definition of DEFINITIONS) {
    values[definition.id] = definition.defaultValue;
  }
  return values;
}

export function buildConfigOptions(values: ConfigValues): SessionConfigOption[] {
  return DEFINITIONS.map((definition) => ({
    id: definition.id,
    name: definition.name,
    description: definition.description,
    category: definition.category,
    type: "select",
    currentValue: values[definition.id] ?? definition.defaultValue,
    options: definition.values.map((value) => ({ ...value })),
  }));
}

export function buildModeState(values: ConfigValues): SessionModeState {
  return {
    currentModeId: values[MODE_CONFIG_ID] ?? "ask",
    availableModes: MODE_VALUES.map((mode) => ({
      id: mode.value,
      name: mode.name,
      description: mode.description ?? null,
    })),
  };
}

/** Throws a JSON-RPC invalid-params error unless `value` is allowed for `configId`. */
export function validateConfigValue(configId: string, value: unknown): string {
  const definition = DEFINITIONS.find((candidate) => candidate.id === configId);
  if (!definition) {
    const known = DEFINITIONS.map((candidate) => candidate.id).join(", ");
    throw new RpcError(ErrorCode.invalidParams, `Unknown config option '${configId}'. Known options: ${known}`);
  }
  const allowed = definition.values.map((option) => option.value);
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw new RpcError(
      ErrorCode.invalidParams,
      `Invalid value ${JSON.stringify(value)} for config option '${configId}'. Allowed values: ${allowed.join(", ")}`,
    );
  }
  return value;
}

export function validateModeId(modeId: unknown): string {
  const allowed = MODE_VALUES.map((mode) => mode.value);
  if (typeof modeId !== "string" || !allowed.includes(modeId)) {
    throw new RpcError(ErrorCode.invalidParams, `Unknown mode ${JSON.stringify(modeId)}. Available modes: ${allowed.join(", ")}`);
  }
  return modeId;
}

/** Pretend context window per model, reported in usage updates. */
export function contextWindowFor(model: string): number {
  return model === "demo-large" ? 200_000 : 8_192;
}

/** Pretend USD price per token, reported in usage updates. */
export function pricePerTokenFor(model: string): number {
  return model === "demo-large" ? 0.00003 : 0.000002;
}

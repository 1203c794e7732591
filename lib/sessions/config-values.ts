// What an agent offers for mode, model, thought level and its other config options, read from the
// ACP shapes it reported (session/new, config_option_update). Pure, so it is unit-tested.

export type SettingField = "mode" | "model" | "thoughtLevel";

export const FIELD_CATEGORY: Record<SettingField, string> = { mode: "mode", model: "model", thoughtLevel: "thought_level" };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

export interface ConfigOptionLike {
  id: string;
  category?: string | null;
  type?: string;
  currentValue?: unknown;
  options?: unknown;
}

export function asConfigOptions(value: unknown): ConfigOptionLike[] {
  if (!Array.isArray(value)) return [];
  return value.filter((option): option is ConfigOptionLike => isObject(option) && typeof option.id === "string");
}

/** The values a select option offers, groups flattened; null for a boolean option. */
export function optionValues(option: ConfigOptionLike): string[] | null {
  if (option.type === "boolean") return null;
  const values: string[] = [];
  for (const entry of Array.isArray(option.options) ? option.options : []) {
    if (!isObject(entry)) continue;
    if (typeof entry.value === "string") values.push(entry.value);
    else if (Array.isArray(entry.options)) {
      for (const nested of entry.options) if (isObject(nested) && typeof nested.value === "string") values.push(nested.value);
    }
  }
  return values;
}

export function findByCategory(configOptions: unknown, category: string) {
  return asConfigOptions(configOptions).find((option) => option.category === category) ?? null;
}

/** Allowed values for a session setting; null when the agent offers no such setting at all. */
export function offeredValues(field: SettingField, configOptions: unknown, modes: unknown): string[] | null {
  if (field === "mode" && isObject(modes) && Array.isArray(modes.availableModes) && modes.availableModes.length > 0) {
    return modes.availableModes
      .filter(isObject)
      .map((mode) => mode.id)
      .filter((id): id is string => typeof id === "string");
  }
  const option = findByCategory(configOptions, FIELD_CATEGORY[field]);
  return option ? (optionValues(option) ?? []) : null;
}

export type SettingCheck = { ok: true } | { ok: false; allowed: string[] | null };

export function checkSetting(field: SettingField, value: string, configOptions: unknown, modes: unknown): SettingCheck {
  const allowed = offeredValues(field, configOptions, modes);
  // An option that lists no values accepts what the agent accepts; let the agent decide.
  if (allowed && (allowed.length === 0 || allowed.includes(value))) return { ok: true };
  return { ok: false, allowed };
}

/** The list with `currentValue` of the option `configId` replaced. */
export function withCurrentValue(configOptions: unknown, configId: string, value: unknown): ConfigOptionLike[] {
  return asConfigOptions(configOptions).map((option) => (option.id === configId ? { ...option, currentValue: value } : option));
}

/** The list with the current value of a category (mode/model/thought_level) replaced. */
export function withCategoryValue(configOptions: unknown, category: string, value: string): ConfigOptionLike[] {
  const option = findByCategory(configOptions, category);
  return option ? withCurrentValue(configOptions, option.id, value) : asConfigOptions(configOptions);
}

export function withCurrentMode(modes: unknown, modeId: string): unknown {
  return isObject(modes) ? { ...modes, currentModeId: modeId } : modes;
}

/**
 * The session's mode/model/thought level columns hold the latest value reported for each (from
 * current_mode_update as well as config_option_update); the stored lists are made to agree.
 */
export function currentSettingsView(
  settings: { mode: string | null; model: string | null; thoughtLevel: string | null },
  configOptions: unknown,
  modes: unknown,
) {
  let options = asConfigOptions(configOptions);
  for (const field of ["mode", "model", "thoughtLevel"] as const) {
    const value = settings[field];
    if (value) options = withCategoryValue(options, FIELD_CATEGORY[field], value);
  }
  return { configOptions: options, modes: settings.mode ? withCurrentMode(modes, settings.mode) : (modes ?? null) };
}

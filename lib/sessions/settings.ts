import "server-only";
import type { SandboxAgent } from "sandbox-agent";
import type { Session } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { ApiError, conflict, notFound, unprocessable, type FieldError } from "@/lib/errors";
import { effectsFromConfigOptions } from "@/lib/events/classify";
import type { SessionEffects } from "@/lib/events/writer";
import {
  asConfigOptions,
  checkSetting,
  FIELD_CATEGORY,
  optionValues,
  withCategoryValue,
  withCurrentMode,
  withCurrentValue,
  type ConfigOptionLike,
  type SettingField,
} from "@/lib/sessions/config-values";
import { recordPortalEvent } from "@/lib/sessions/portal-events";
import { attachedSdk, restoreSession, runtimeError } from "@/lib/sessions/runtime-link";
import { assertWritable } from "@/lib/sessions/turns";

// Title, model, mode, thought level and config options. Values are checked against what the agent
// offers, applied through the runtime (the agent decides what they mean, also during a running turn)
// and recorded as `config_changed` events whose session changes come from the agent's own answer.

export interface SessionPatch {
  title?: string;
  model?: string;
  mode?: string;
  thoughtLevel?: string;
  archived?: boolean;
}

const LABEL: Record<SettingField, string> = { mode: "mode", model: "model", thoughtLevel: "thought level" };

async function liveSdk(session: Session, userId: string) {
  let sdk = await attachedSdk(session.id);
  if (!sdk) {
    await restoreSession(session, userId);
    sdk = await attachedSdk(session.id);
  }
  if (!sdk) throw conflict("The session could not be attached to the runtime.");
  return sdk;
}

/** What the agent currently offers this session (the SDK's record of the agent's last report). */
export async function sessionOffer(sdk: SandboxAgent, sessionId: string) {
  try {
    const configOptions = asConfigOptions(await sdk.getSessionConfigOptions(sessionId));
    const modes = await sdk.getSessionModes(sessionId);
    return { configOptions, modes: modes ?? null };
  } catch (error) {
    throw runtimeError(error);
  }
}

/** A 422 naming each setting the agent does not offer and what it offers instead; null when all are offered. */
export function rejectedSettings(settings: Partial<Record<SettingField, string>>, offer: { configOptions: unknown; modes: unknown }): ApiError | null {
  const errors: FieldError[] = [];
  const sentences: string[] = [];
  for (const field of ["mode", "model", "thoughtLevel"] as const) {
    const value = settings[field];
    if (value === undefined) continue;
    const check = checkSetting(field, value, offer.configOptions, offer.modes);
    if (check.ok) continue;
    if (check.allowed) {
      errors.push({ path: field, message: `must be one of: ${check.allowed.join(", ")}` });
      sentences.push(`This agent does not offer the ${LABEL[field]} "${value}"; it offers: ${check.allowed.join(", ")}.`);
    } else {
      errors.push({ path: field, message: `this agent offers no ${LABEL[field]} setting` });
      sentences.push(`This agent offers no ${LABEL[field]} setting.`);
    }
  }
  return errors.length > 0 ? unprocessable(sentences.join(" "), errors) : null;
}

/**
 * Applies one setting through the runtime and returns the session changes it implies: the value
 * itself, and the agent's full config option list when its answer carries one.
 */
export async function applySetting(sdk: SandboxAgent, sessionId: string, field: SettingField, value: string, known: { configOptions: unknown; modes: unknown }) {
  let response: unknown;
  try {
    const result =
      field === "mode"
        ? await sdk.setSessionMode(sessionId, value)
        : field === "model"
          ? await sdk.setSessionModel(sessionId, value)
          : await sdk.setSessionThoughtLevel(sessionId, value);
    response = result.response;
  } catch (error) {
    throw settingError(error, field);
  }
  const answered = asConfigOptions((response as { configOptions?: unknown } | undefined)?.configOptions);
  const configOptions = answered.length > 0 ? answered : withCategoryValue(known.configOptions, FIELD_CATEGORY[field], value);
  const modes = field === "mode" ? withCurrentMode(known.modes, value) : known.modes;
  const effects: SessionEffects = { ...effectsFromConfigOptions(configOptions), [field]: value, ...(field === "mode" ? { modes } : {}) };
  return { configOptions, modes, effects };
}

export async function patchSession({ session, userId, patch }: { session: Session; userId: string; patch: SessionPatch }) {
  // Archiving is the team's bookkeeping and works on a destroyed session too; every other change needs a live one.
  if (patch.title !== undefined || patch.mode !== undefined || patch.model !== undefined || patch.thoughtLevel !== undefined) assertWritable(session);
  const changes = (["mode", "model", "thoughtLevel"] as const)
    .filter((field) => patch[field] !== undefined)
    .map((field) => [field, patch[field]!] as const);

  // Everything is checked before anything changes: a rejected value leaves the session as it was.
  let sdk: SandboxAgent | null = null;
  let known: { configOptions: unknown; modes: unknown } = { configOptions: [], modes: null };
  if (changes.length > 0) {
    sdk = await liveSdk(session, userId);
    known = await sessionOffer(sdk, session.id);
    const rejected = rejectedSettings(patch, known);
    if (rejected) throw rejected;
  }

  if (patch.title !== undefined) {
    await db().$transaction(async (tx) => {
      await tx.session.update({ where: { id: session.id }, data: { title: patch.title!.trim(), updatedAt: new Date() } });
      await recordAudit(tx, { teamId: session.teamId, actorId: userId, action: "session.config", targetType: "session", targetId: session.id, detail: { title: patch.title! } });
    });
  }
  if (patch.archived !== undefined) await setArchived({ session, userId, archived: patch.archived });
  for (const [field, value] of changes) {
    const applied = await applySetting(sdk!, session.id, field, value, known);
    known = applied;
    await recordConfigChange(session, userId, field, value, applied.effects);
  }
}

/** Archiving only hides a session from the default list; it stays readable and usable. */
async function setArchived({ session, userId, archived }: { session: Session; userId: string; archived: boolean }) {
  await db().$transaction(async (tx) => {
    // An archived session keeps the moment it was first archived.
    await tx.session.updateMany({ where: { id: session.id, archivedAt: archived ? null : { not: null } }, data: { archivedAt: archived ? new Date() : null } });
    await recordAudit(tx, { teamId: session.teamId, actorId: userId, action: "session.config", targetType: "session", targetId: session.id, detail: { archived } });
  });
}

export async function setConfigOption({ session, userId, optionId, value }: { session: Session; userId: string; optionId: string; value: string | boolean }) {
  assertWritable(session);
  const sdk = await liveSdk(session, userId);
  const known = await sessionOffer(sdk, session.id);
  const option = known.configOptions.find((candidate) => candidate.id === optionId);
  if (!option) {
    const offered = known.configOptions.map((candidate) => candidate.id).join(", ") || "none";
    throw new ApiError(404, `This session has no config option "${optionId}". It offers: ${offered}.`);
  }
  const allowed = optionValues(option);
  if (allowed === null ? typeof value !== "boolean" : typeof value !== "string" || (allowed.length > 0 && !allowed.includes(value))) {
    const expected = allowed === null ? "true or false" : allowed.join(", ");
    throw unprocessable(`"${String(value)}" is not a value of the config option "${optionId}". Allowed: ${expected}.`, [{ path: "value", message: `must be one of: ${expected}` }]);
  }

  let response: unknown;
  try {
    const result =
      typeof value === "boolean"
        ? await sdk.rawSendSessionMethod(session.id, "session/set_config_option", { configId: optionId, type: "boolean", value })
        : await sdk.setSessionConfigOption(session.id, optionId, value);
    response = result.response;
  } catch (error) {
    throw settingError(error, optionId);
  }
  const answered = asConfigOptions((response as { configOptions?: unknown } | undefined)?.configOptions);
  const configOptions: ConfigOptionLike[] = answered.length > 0 ? answered : withCurrentValue(known.configOptions, optionId, value);
  const effects: SessionEffects = effectsFromConfigOptions(configOptions);
  if (option.category === "mode" && typeof value === "string") effects.modes = withCurrentMode(known.modes, value);
  await recordConfigChange(session, userId, optionId, String(value), effects);
  return configOptions;
}

async function recordConfigChange(session: Session, userId: string, field: string, value: string, effects: SessionEffects) {
  await db().auditEntry.create({
    data: { teamId: session.teamId, actorId: userId, action: "session.config", targetType: "session", targetId: session.id, detail: { [field]: value } },
  });
  recordPortalEvent(session.id, { type: "config_changed", field, value, by: userId }, effects);
}

/** SDK and agent refusals of a value are the caller's mistake (422); the rest is the runtime's. */
export function settingError(error: unknown, field: string): Error {
  if (error instanceof ApiError) return error;
  // Duck-typed: the SDK's error classes can exist twice in the server bundle, so instanceof misses.
  const details = (error ?? {}) as { allowedValues?: unknown; availableCategories?: unknown; availableConfigIds?: unknown; code?: unknown; message?: unknown };
  const message = typeof details.message === "string" ? details.message : String(error);
  if (Array.isArray(details.allowedValues)) {
    return unprocessable(`The agent does not offer that value. Allowed: ${details.allowedValues.join(", ")}.`, [
      { path: field, message: `must be one of: ${details.allowedValues.join(", ")}` },
    ]);
  }
  if (Array.isArray(details.availableCategories) || Array.isArray(details.availableConfigIds)) {
    return unprocessable(`The agent offers no such setting: ${message}`, [{ path: field, message: "not offered by this agent" }]);
  }
  // JSON-RPC "invalid params": the agent itself rejected the value.
  if (details.code === -32602) return unprocessable(`The agent rejected the value: ${message.slice(0, 300)}`, [{ path: field, message: message.slice(0, 300) }]);
  return runtimeError(error);
}

import "server-only";
import type { SandboxAgent, Session as SdkSession, SessionRecord } from "sandbox-agent";
import type { Session } from "@/generated/prisma/client";
import { isApiError, runtimeUnavailable, unprocessable, type ApiError, type FieldError } from "@/lib/errors";
import { effectsFromConfigOptions } from "@/lib/events/classify";
import type { SessionEffects } from "@/lib/events/types";
import { runtimeAgentId } from "@/lib/runtime/agents";
import { persistDriver } from "@/lib/runtime/persist-driver";
import { limitHit } from "@/lib/sandboxes/limits";
import { insideWorkspace, sandboxOfSession } from "@/lib/sandboxes/sandboxes";
import { attachments, runtimeForSession } from "@/lib/sessions/attachments";
import {
  asConfigOptions,
  checkSetting,
  FIELD_CATEGORY,
  withCategoryValue,
  withCurrentMode,
  withCurrentValue,
  type ConfigOptionLike,
  type SettingField,
} from "@/lib/sessions/config-values";
import { intakePermissionRequest } from "@/lib/sessions/permissions";
import { runtimeError, settingError } from "@/lib/sessions/runtime-errors";

// A portal session's runtime session: created on the session's runtime and attached to this
// process, and its settings applied through the agent (the one applySetting). Each returns the
// session changes it implies; recording them is the caller's change (lib/sessions/journal.ts).

/** What the agent offers a session: its config options and modes, as last reported. */
export interface AgentOffer {
  configOptions: unknown;
  modes: unknown;
}

export type Setting = { field: SettingField } | { optionId: string; category: string | null };

const LABEL: Record<SettingField, string> = { mode: "mode", model: "model", thoughtLevel: "thought level" };
const SETTING_FIELDS = ["mode", "model", "thoughtLevel"] as const;

/** Creates and attaches the runtime session of a portal session; returns what the agent offers it. */
export async function createOnRuntime(session: Pick<Session, "id" | "agent">, cwd: string | null | undefined) {
  const sandbox = await sandboxOfSession(session.id);
  const runtime = await runtimeForSession(session.id);
  const { sdk, generation } = await runtime.sdk();
  skipSdkIndexScan(sdk, session.id);
  // Sessions from before sandboxes may name a host directory: they continue in the workspace.
  const inWorkspace = (cwd ? insideWorkspace(sandbox.workspace, cwd) : null) ?? sandbox.workspace;
  let handle: SdkSession;
  try {
    handle = await runtime.untilLost(generation, sdk.createSession({ id: session.id, agent: runtimeAgentId(session.agent), cwd: inWorkspace }));
  } catch (error) {
    // Starting one more agent can be what passes the sandbox's limit (each Claude Code session is a process of its own).
    const hit = limitHit(sandbox.id);
    if (hit)
      throw runtimeUnavailable(
        `The sandbox stopped: ${hit.message}. Its sessions come back on their next prompt; a new session in a sandbox of its own has room.`,
      );
    throw runtimeError(error);
  }
  attachments().attach(session.id, generation);
  sdk.onPermissionRequest(session.id, (request) => void intakePermissionRequest(session.id, request));
  const record = handle.toRecord();
  return { sdk, offer: { configOptions: record.configOptions ?? [], modes: record.modes ?? null } satisfies AgentOffer };
}

// What of SDK 0.4.2's internals a load needs: its per-agent ACP connection (whose client has ACP's
// session/load, which the SDK itself never calls) and its table of session handles.
interface LiveConnection {
  connectionId: string;
  acp: {
    loadSession(request: { sessionId: string; cwd: string; mcpServers: unknown[] }): Promise<{ configOptions?: unknown; modes?: unknown } | null | undefined>;
  };
  bindSession(localSessionId: string, agentSessionId: string): void;
}
interface SdkInternals {
  getLiveConnection?(agent: string): Promise<LiveConnection>;
  upsertSessionHandle?(record: SessionRecord): unknown;
}

/**
 * Brings a session's own agent session back on its (restarted) runtime with ACP `session/load`: an
 * agent that keeps its sessions in the sandbox's home (Claude Code, Codex) then continues with its
 * whole memory. The agent's replay of the history during the load is not stored (it is not bound to
 * the portal session yet), so the transcript does not repeat. Null when the agent cannot load it
 * (no such method, an unknown session): the caller makes a new session and seeds it instead.
 */
export async function loadOnRuntime(session: Pick<Session, "id" | "agent">) {
  const record = await persistDriver().getSession(session.id);
  if (!record?.agentSessionId) return null;
  const sandbox = await sandboxOfSession(session.id);
  const runtime = await runtimeForSession(session.id);
  const { sdk, generation } = await runtime.sdk();
  const internals = sdk as unknown as SdkInternals;
  if (!internals.getLiveConnection || !internals.upsertSessionHandle) return null;
  skipSdkIndexScan(sdk, session.id);
  const live = await runtime.untilLost(generation, internals.getLiveConnection.call(sdk, runtimeAgentId(session.agent)));
  const init = (record.sessionInit ?? {}) as { cwd?: string; mcpServers?: unknown[] };
  let loaded;
  try {
    loaded = await runtime.untilLost(
      generation,
      live.acp.loadSession({ sessionId: record.agentSessionId, cwd: init.cwd ?? sandbox.workspace, mcpServers: init.mcpServers ?? [] }),
    );
  } catch (error) {
    // The runtime ended under the load: a 503 to retry, not a reason to start the agent afresh.
    if (isApiError(error)) throw error;
    return null;
  }
  const updated: SessionRecord = {
    ...record,
    lastConnectionId: live.connectionId,
    destroyedAt: undefined,
    ...(loaded?.configOptions ? { configOptions: loaded.configOptions as SessionRecord["configOptions"] } : {}),
    ...(loaded?.modes ? { modes: loaded.modes as SessionRecord["modes"] } : {}),
  };
  await persistDriver().updateSession(updated);
  live.bindSession(session.id, record.agentSessionId);
  internals.upsertSessionHandle.call(sdk, updated);
  attachments().attach(session.id, generation);
  sdk.onPermissionRequest(session.id, (request) => void intakePermissionRequest(session.id, request));
  return { sdk, offer: { configOptions: updated.configOptions ?? [], modes: updated.modes ?? null } satisfies AgentOffer };
}

/**
 * Applies mode, model and thought level in turn. Strict: a refusal is thrown (creation). Not strict:
 * a value the agent no longer takes is skipped (a restore keeps what it can). Returns the changes.
 */
export async function applySettings(
  sdk: SandboxAgent,
  sessionId: string,
  values: Partial<Record<SettingField, string | null>>,
  offer: AgentOffer,
  options: { strict: boolean },
) {
  let known = offer;
  let effects: SessionEffects = { modes: offer.modes, ...effectsFromConfigOptions(asConfigOptions(offer.configOptions)) };
  for (const field of SETTING_FIELDS) {
    const value = values[field];
    if (!value) continue;
    try {
      const applied = await applySetting(sdk, sessionId, { field }, value, known);
      known = applied;
      effects = { ...effects, ...applied.effects, modes: applied.modes };
    } catch (error) {
      if (options.strict) throw error;
    }
  }
  return effects;
}

/**
 * Applies one setting through the agent and returns the session changes it implies: the value
 * itself, and the agent's full config option list (from its answer, or the known list updated).
 */
export async function applySetting(sdk: SandboxAgent, sessionId: string, setting: Setting, value: string | boolean, known: AgentOffer) {
  let response: unknown;
  const name = "field" in setting ? setting.field : setting.optionId;
  try {
    const result =
      "optionId" in setting
        ? typeof value === "boolean"
          ? await sdk.rawSendSessionMethod(sessionId, "session/set_config_option", { configId: setting.optionId, type: "boolean", value })
          : await sdk.setSessionConfigOption(sessionId, setting.optionId, value)
        : setting.field === "mode"
          ? await sdk.setSessionMode(sessionId, String(value))
          : setting.field === "model"
            ? await sdk.setSessionModel(sessionId, String(value))
            : await sdk.setSessionThoughtLevel(sessionId, String(value));
    response = result.response;
  } catch (error) {
    throw settingError(error, name);
  }
  const answered = asConfigOptions((response as { configOptions?: unknown } | undefined)?.configOptions);
  const category = "field" in setting ? FIELD_CATEGORY[setting.field] : setting.category;
  const configOptions: ConfigOptionLike[] =
    answered.length > 0
      ? answered
      : "field" in setting
        ? withCategoryValue(known.configOptions, FIELD_CATEGORY[setting.field], String(value))
        : withCurrentValue(known.configOptions, setting.optionId, value);
  const modes = category === "mode" && typeof value === "string" ? withCurrentMode(known.modes, value) : known.modes;
  const effects: SessionEffects = {
    ...effectsFromConfigOptions(configOptions),
    ...("field" in setting ? { [setting.field]: value } : {}),
    ...(category === "mode" ? { modes } : {}),
  };
  return { configOptions, modes, effects };
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
export function rejectedSettings(settings: Partial<Record<SettingField, string>>, offer: AgentOffer): ApiError | null {
  const errors: FieldError[] = [];
  const sentences: string[] = [];
  for (const field of SETTING_FIELDS) {
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
  return errors.length > 0 ? unprocessable(sentences.join(" "), errors, "not_offered") : null;
}

// SDK 0.4.2 numbers events itself and, on the first event of a session in a new SDK instance, pages
// through the whole stored history to find the last number. The portal does not use that number
// (the writer assigns the index), so the scan would only make restores cost O(history). Start the
// SDK's counter instead; without the private map this falls back to the SDK's scan.
function skipSdkIndexScan(sdk: SandboxAgent, sessionId: string) {
  const counters = (sdk as unknown as { nextSessionEventIndexBySession?: unknown }).nextSessionEventIndexBySession;
  if (counters instanceof Map && !counters.has(sessionId)) counters.set(sessionId, 1);
}

import "server-only";
import type { Session } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { conflict, unprocessable } from "@/lib/errors";
import { effectsFromConfigOptions } from "@/lib/events/classify";
import { recordPortalEvent } from "@/lib/sessions/portal-events";
import { attachedSdk, restoreSession, runtimeError } from "@/lib/sessions/runtime-link";
import { assertWritable } from "@/lib/sessions/turns";

// Title, model, mode, thought level and config options. Values are applied through the runtime (the
// agent decides what they mean, also during a running turn) and recorded as events.

export interface SessionPatch {
  title?: string;
  model?: string;
  mode?: string;
  thoughtLevel?: string;
}

async function liveSdk(session: Session, userId: string) {
  let sdk = await attachedSdk(session.id);
  if (!sdk) {
    await restoreSession(session, userId);
    sdk = await attachedSdk(session.id);
  }
  if (!sdk) throw conflict("The session could not be attached to the runtime.");
  return sdk;
}

export async function patchSession({ session, userId, patch }: { session: Session; userId: string; patch: SessionPatch }) {
  assertWritable(session);
  if (patch.title !== undefined) {
    await db().$transaction(async (tx) => {
      await tx.session.update({ where: { id: session.id }, data: { title: patch.title!.trim(), updatedAt: new Date() } });
      await recordAudit(tx, { teamId: session.teamId, actorId: userId, action: "session.config", targetType: "session", targetId: session.id, detail: { title: patch.title! } });
    });
  }
  const changes = ([
    ["mode", patch.mode],
    ["model", patch.model],
    ["thoughtLevel", patch.thoughtLevel],
  ] as const).filter(([, value]) => value !== undefined) as Array<["mode" | "model" | "thoughtLevel", string]>;
  if (changes.length === 0) return;
  const sdk = await liveSdk(session, userId);
  for (const [field, value] of changes) {
    let record;
    try {
      const result =
        field === "mode"
          ? await sdk.setSessionMode(session.id, value)
          : field === "model"
            ? await sdk.setSessionModel(session.id, value)
            : await sdk.setSessionThoughtLevel(session.id, value);
      record = result.session.toRecord();
    } catch (error) {
      throw runtimeError(error);
    }
    await recordConfigChange(session, userId, field, value, record.configOptions ?? [], record.modes ?? null);
  }
}

export async function setConfigOption({ session, userId, optionId, value }: { session: Session; userId: string; optionId: string; value: string }) {
  assertWritable(session);
  const sdk = await liveSdk(session, userId);
  const options = await sdk.getSessionConfigOptions(session.id);
  const option = options.find((candidate) => candidate.id === optionId);
  if (!option) throw unprocessable(`This session has no config option "${optionId}". It offers: ${options.map((o) => o.id).join(", ") || "none"}.`);
  let record;
  try {
    record = (await sdk.setSessionConfigOption(session.id, optionId, value)).session.toRecord();
  } catch (error) {
    throw runtimeError(error);
  }
  await recordConfigChange(session, userId, optionId, value, record.configOptions ?? [], record.modes ?? null);
  return record.configOptions ?? [];
}

async function recordConfigChange(session: Session, userId: string, field: string, value: string, configOptions: unknown[], modes: unknown) {
  const effects = effectsFromConfigOptions(configOptions);
  if (field === "mode") effects.mode = value;
  await db().auditEntry.create({
    data: { teamId: session.teamId, actorId: userId, action: "session.config", targetType: "session", targetId: session.id, detail: { [field]: value } },
  });
  const seq = recordPortalEvent(session.id, { type: "config_changed", field, value, by: userId }, { ...effects, modes: modes ?? undefined });
  return seq;
}

import "server-only";
import type { Session } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { db } from "@/lib/db/client";
import { ApiError, unprocessable } from "@/lib/errors";
import { notifySessionListChanged } from "@/lib/events/live-hub";
import type { SessionEffects } from "@/lib/events/types";
import { optionValues, type SettingField } from "@/lib/sessions/config-values";
import { assertWritable } from "@/lib/sessions/guards";
import { recordChange } from "@/lib/sessions/journal";
import { liveSdk } from "@/lib/sessions/restore";
import { applySetting, rejectedSettings, sessionOffer, type AgentOffer } from "@/lib/sessions/runtime-session";

// Title, model, mode, thought level and config options. Values are checked against what the agent
// offers, applied through the runtime (the agent decides what they mean, also during a running turn)
// and recorded as `config_changed` changes whose session columns come from the agent's own answer.

export interface SessionPatch {
  title?: string;
  model?: string;
  mode?: string;
  thoughtLevel?: string;
  archived?: boolean;
}

/** Applies a patch; returns the session as committed after its last change. */
export async function patchSessionOnOwner({ session, userId, patch }: { session: Session; userId: string; patch: SessionPatch }): Promise<Session> {
  // Archiving is the team's bookkeeping and works on a destroyed session too; every other change needs a live one.
  if (patch.title !== undefined || patch.mode !== undefined || patch.model !== undefined || patch.thoughtLevel !== undefined) assertWritable(session);
  const changes = (["mode", "model", "thoughtLevel"] as const).filter((field) => patch[field] !== undefined).map((field) => [field, patch[field]!] as const);

  // Everything is checked before anything changes: a rejected value leaves the session as it was.
  let sdk: Awaited<ReturnType<typeof liveSdk>> | null = null;
  let known: AgentOffer = { configOptions: [], modes: null };
  if (changes.length > 0) {
    sdk = await liveSdk(session, userId);
    known = await sessionOffer(sdk, session.id);
    const rejected = rejectedSettings(patch, known);
    if (rejected) throw rejected;
  }

  let current = session;
  if (patch.title !== undefined) {
    const title = patch.title.trim();
    current = (await recordConfigChange(session, userId, "title", title, { title })) ?? current;
  }
  if (patch.archived !== undefined) current = await setArchived({ session, userId, archived: patch.archived });
  for (const [field, value] of changes) {
    const applied = await applySetting(sdk!, session.id, { field }, value, known);
    known = applied;
    current = (await recordConfigChange(session, userId, field, value, applied.effects)) ?? current;
  }
  return current;
}

/**
 * Archiving only hides a session from the default list: no event, no runtime call, so it is not a
 * journal change (the journal's statement carries session state that viewers stream); the column and
 * its audit entry still commit together.
 */
async function setArchived({ session, userId, archived }: { session: Session; userId: string; archived: boolean }) {
  return db().$transaction(async (tx) => {
    // An archived session keeps the moment it was first archived.
    await tx.session.updateMany({ where: { id: session.id, archivedAt: archived ? null : { not: null } }, data: { archivedAt: archived ? new Date() : null } });
    await recordAudit(tx, {
      teamId: session.teamId,
      actorId: userId,
      action: "session.config",
      targetType: "session",
      targetId: session.id,
      detail: { archived },
    });
    // Open session lists (on every instance) follow: the session leaves or joins them.
    await notifySessionListChanged(tx, session.id);
    return tx.session.findUniqueOrThrow({ where: { id: session.id } });
  });
}

export async function setConfigOptionOnOwner({
  session,
  userId,
  optionId,
  value,
}: {
  session: Session;
  userId: string;
  optionId: string;
  value: string | boolean;
}) {
  assertWritable(session);
  const sdk = await liveSdk(session, userId);
  const known = await sessionOffer(sdk, session.id);
  const option = known.configOptions.find((candidate) => candidate.id === optionId);
  if (!option) {
    const offered = known.configOptions.map((candidate) => candidate.id).join(", ") || "none";
    throw new ApiError("not_found", `This session has no config option "${optionId}". It offers: ${offered}.`);
  }
  const allowed = optionValues(option);
  if (allowed === null ? typeof value !== "boolean" : typeof value !== "string" || (allowed.length > 0 && !allowed.includes(value))) {
    const expected = allowed === null ? "true or false" : allowed.join(", ");
    throw unprocessable(
      `"${String(value)}" is not a value of the config option "${optionId}". Allowed: ${expected}.`,
      [{ path: "value", message: `must be one of: ${expected}` }],
      "not_offered",
    );
  }
  const applied = await applySetting(sdk, session.id, { optionId, category: option.category ?? null }, value, known);
  await recordConfigChange(session, userId, optionId, String(value), applied.effects);
  return applied.configOptions;
}

function recordConfigChange(session: Session, userId: string, field: SettingField | "title" | string, value: string, effects: SessionEffects) {
  return recordChange({
    sessionId: session.id,
    event: { type: "config_changed", field, value, by: userId },
    effects,
    audit: { actorId: userId, action: "session.config", detail: { [field]: value } },
  });
}

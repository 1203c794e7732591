import "server-only";
import { recordAudit } from "@/lib/audit";
import type { CredentialJson, ModelProvider } from "@/lib/contract/credentials";
import { MODEL_PROVIDERS } from "@/lib/contract/credentials";
import { db } from "@/lib/db/client";
import { decodeCursor, encodeCursor, type Page } from "@/lib/db/keyset";
import { env } from "@/lib/env";
import { invalidCursor, notFound } from "@/lib/errors";
import { openSecret, sealSecret } from "@/lib/secrets/box";

// A team's keys for the model providers, sealed at rest (lib/secrets/box.ts). Only the model gateway
// opens them, to call upstream for that team's sandboxes; the API and the pages see the last four
// characters. A team without its own key uses the instance's (ANTHROPIC_API_KEY, OPENAI_API_KEY in
// the portal's environment), if there is one.

export interface Upstream {
  apiKey: string;
  /** As the provider's own SDKs take it: Anthropic's without `/v1`, OpenAI's with it. */
  baseUrl: string;
  source: "team" | "instance";
}

const PROVIDER_API: Record<ModelProvider, string> = { anthropic: "https://api.anthropic.com", openai: "https://api.openai.com/v1" };

function instanceDefault(provider: ModelProvider): { apiKey?: string; baseUrl?: string } {
  const config = env();
  return provider === "anthropic"
    ? { apiKey: config.ANTHROPIC_API_KEY, baseUrl: config.ANTHROPIC_BASE_URL }
    : { apiKey: config.OPENAI_API_KEY, baseUrl: config.OPENAI_BASE_URL };
}

/** Where a team's calls to a provider go, with which key; null when neither the team nor the instance has one. */
export async function upstreamFor({ teamId, provider }: { teamId: string | null; provider: ModelProvider }): Promise<Upstream | null> {
  const row = teamId ? await db().teamCredential.findUnique({ where: { teamId_provider: { teamId, provider } } }) : null;
  if (row) {
    // A key sealed with another PORTAL_SECRETS_KEY cannot be used; the instance's is not a silent stand-in.
    const apiKey = opened(row.encryptedKey);
    if (apiKey === null) return null;
    return { apiKey, baseUrl: row.baseUrl ?? PROVIDER_API[provider], source: "team" };
  }
  const fallback = instanceDefault(provider);
  return fallback.apiKey ? { apiKey: fallback.apiKey, baseUrl: fallback.baseUrl ?? PROVIDER_API[provider], source: "instance" } : null;
}

/** A team's own keys, opened: for redacting them wherever they might appear in shared text. */
export async function teamKeyValues({ teamId }: { teamId: string }): Promise<string[]> {
  const rows = await db().teamCredential.findMany({ where: { teamId }, select: { encryptedKey: true } });
  return rows.map((row) => opened(row.encryptedKey)).filter((key): key is string => key !== null);
}

/** The key, or null when it does not open with this portal's secrets key. */
function opened(sealed: string): string | null {
  try {
    return openSecret(sealed);
  } catch {
    return null;
  }
}

/**
 * The team's credentials, one per provider whether set or not, in the providers' fixed order and
 * keyset-paged on the provider like every list.
 */
export async function listCredentials({ teamId, cursor, limit }: { teamId: string; cursor?: string; limit: number }): Promise<Page<CredentialJson>> {
  const start = cursor === undefined ? 0 : MODEL_PROVIDERS.indexOf(providerOfCursor(cursor)) + 1;
  const providers = MODEL_PROVIDERS.slice(start, start + limit);
  const more = start + limit < MODEL_PROVIDERS.length;
  return { items: await credentialItems({ teamId, providers }), nextCursor: more ? encodeCursor([providers.at(-1)!]) : null };
}

function providerOfCursor(cursor: string): ModelProvider {
  const [provider] = decodeCursor(cursor, 1);
  if (!(MODEL_PROVIDERS as readonly string[]).includes(provider!)) throw invalidCursor();
  return provider as ModelProvider;
}

async function credentialItems({ teamId, providers }: { teamId: string; providers: readonly ModelProvider[] }): Promise<CredentialJson[]> {
  const [rows, lastUses] = await Promise.all([
    db().teamCredential.findMany({ where: { teamId, provider: { in: [...providers] } } }),
    db().modelCall.groupBy({ by: ["provider"], where: { teamId, provider: { in: [...providers] } }, _max: { at: true } }),
  ]);
  const setters = await db().user.findMany({
    where: { id: { in: rows.flatMap((row) => (row.updatedBy ? [row.updatedBy] : [])) } },
    select: { id: true, email: true },
  });
  return providers.map((provider): CredentialJson => {
    const row = rows.find((candidate) => candidate.provider === provider);
    const lastUsedAt = lastUses.find((use) => use.provider === provider)?._max.at?.toISOString() ?? null;
    if (row) {
      const setBy = setters.find((user) => user.id === row.updatedBy)?.email ?? null;
      return { provider, source: "team", keyHint: row.keyHint, baseUrl: row.baseUrl, setAt: row.updatedAt.toISOString(), setBy, lastUsedAt };
    }
    return { provider, source: instanceDefault(provider).apiKey ? "instance" : "none", keyHint: null, baseUrl: null, setAt: null, setBy: null, lastUsedAt };
  });
}

/** Which providers a team can call (its own key, or the instance's). */
export async function providersReady({ teamId }: { teamId: string | null }): Promise<Set<ModelProvider>> {
  const rows = teamId ? await db().teamCredential.findMany({ where: { teamId }, select: { provider: true } }) : [];
  return new Set(MODEL_PROVIDERS.filter((provider) => rows.some((row) => row.provider === provider) || !!instanceDefault(provider).apiKey));
}

export async function setCredential({
  teamId,
  actorId,
  provider,
  apiKey,
  baseUrl,
}: {
  teamId: string;
  actorId: string;
  provider: ModelProvider;
  apiKey: string;
  baseUrl?: string | null;
}) {
  const data = { encryptedKey: sealSecret(apiKey), baseUrl: baseUrl ?? null, keyHint: apiKey.slice(-4), updatedBy: actorId, updatedAt: new Date() };
  await db().$transaction(async (tx) => {
    await tx.teamCredential.upsert({ where: { teamId_provider: { teamId, provider } }, create: { teamId, provider, ...data }, update: data });
    await recordAudit(tx, { teamId, actorId, action: "credential.set", targetType: "credential", targetId: provider, detail: { baseUrl: baseUrl ?? null } });
  });
  return (await credentialItems({ teamId, providers: [provider] }))[0]!;
}

export async function deleteCredential({ teamId, actorId, provider }: { teamId: string; actorId: string; provider: ModelProvider }) {
  await db().$transaction(async (tx) => {
    const { count } = await tx.teamCredential.deleteMany({ where: { teamId, provider } });
    if (count === 0) throw notFound("Credential");
    await recordAudit(tx, { teamId, actorId, action: "credential.remove", targetType: "credential", targetId: provider });
  });
}

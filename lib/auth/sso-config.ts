import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/audit";
import { groupRolesSchema } from "@/lib/auth/sso-schema";
import { DEFAULT_GROUPS_CLAIM, DEFAULT_SSO_NAME, type GroupRole, type SsoSettingsJson } from "@/lib/contract/sso";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { conflict, type FieldError, unprocessable } from "@/lib/errors";
import { errorField, logger } from "@/lib/log";
import { openSecret, sealSecret } from "@/lib/secrets/box";

// Where single sign-on is configured: PORTAL_OIDC_* in the environment, or else by an instance admin
// on /admin (an instance_settings row, the client secret sealed with the portal's secrets key). The
// environment wins. Read from the database on every use, never cached in the process: several
// instances share one database, and a change on one must hold on all at once.

const SETTING_KEY = "sso";
const log = logger("auth");

export interface SsoConfig {
  source: "env" | "admin";
  /** Without a trailing slash: the identities' issuer and the base of discovery. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  allowedDomains: string[];
  groupsClaim: string;
  /** `team` is a team id (admin) or a team's id or exact name (environment), resolved at sign-in. */
  groupRoles: GroupRole[];
}

// What the row holds; groupRoles name teams by id.
const storedSchema = z.object({
  issuer: z.string(),
  clientId: z.string(),
  sealedSecret: z.string(),
  name: z.string(),
  allowedDomains: z.array(z.string()),
  groupsClaim: z.string(),
  groupRoles: groupRolesSchema,
});
type StoredSso = z.infer<typeof storedSchema>;

const trimIssuer = (issuer: string) => issuer.replace(/\/+$/, "");

function envSsoConfig(): SsoConfig | null {
  const config = env();
  if (!config.PORTAL_OIDC_ISSUER || !config.PORTAL_OIDC_CLIENT_ID || !config.PORTAL_OIDC_CLIENT_SECRET) return null;
  return {
    source: "env",
    issuer: trimIssuer(config.PORTAL_OIDC_ISSUER),
    clientId: config.PORTAL_OIDC_CLIENT_ID,
    clientSecret: config.PORTAL_OIDC_CLIENT_SECRET,
    name: config.PORTAL_OIDC_NAME,
    allowedDomains: config.PORTAL_OIDC_ALLOWED_DOMAINS,
    groupsClaim: config.PORTAL_OIDC_GROUPS_CLAIM,
    groupRoles: config.PORTAL_OIDC_GROUP_ROLES,
  };
}

async function readStored(): Promise<{ stored: StoredSso; updatedAt: Date } | null> {
  const row = await db().instanceSetting.findUnique({ where: { key: SETTING_KEY } });
  if (!row) return null;
  const parsed = storedSchema.safeParse(row.value);
  if (!parsed.success) {
    log.warn("the stored single sign-on settings are not readable; single sign-on is off until an admin saves them again");
    return null;
  }
  return { stored: parsed.data, updatedAt: row.updatedAt };
}

function openStoredSecret(sealed: string): string | null {
  try {
    return openSecret(sealed);
  } catch (error) {
    log.warn({ error: errorField(error) }, "the stored SSO client secret does not open with this portal's secrets key");
    return null;
  }
}

/** The sign-in's configuration now, or null when single sign-on is off. */
export async function ssoConfig(): Promise<SsoConfig | null> {
  const fromEnv = envSsoConfig();
  if (fromEnv) return fromEnv;
  const row = await readStored();
  if (!row) return null;
  const clientSecret = openStoredSecret(row.stored.sealedSecret);
  if (clientSecret === null) return null;
  const { sealedSecret: _sealed, ...rest } = row.stored;
  return { source: "admin", ...rest, clientSecret };
}

const TEAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Teams by id, else by exact name. A ref shaped like an id is only ever an id (a team named like a
 * deleted team's id takes nothing); a name two teams share names neither: "ambiguous", with the ids
 * of the teams that share it, which sign-ins then leave alone.
 */
export async function resolveTeams(refs: string[]): Promise<Map<string, { id: string; name: string } | { ambiguous: string[] }>> {
  const unique = [...new Set(refs)];
  const names = unique.filter((ref) => !TEAM_ID.test(ref));
  const teams = unique.length
    ? await db().team.findMany({
        where: { OR: [{ id: { in: unique.filter((ref) => TEAM_ID.test(ref)) } }, { name: { in: names } }] },
        select: { id: true, name: true },
      })
    : [];
  const found = new Map<string, { id: string; name: string } | { ambiguous: string[] }>();
  for (const ref of unique) {
    const byId = TEAM_ID.test(ref) ? teams.find((team) => team.id === ref) : undefined;
    const byName = TEAM_ID.test(ref) ? [] : teams.filter((team) => team.name === ref);
    if (byId) found.set(ref, byId);
    else if (byName.length === 1) found.set(ref, byName[0]!);
    else if (byName.length > 1) found.set(ref, { ambiguous: byName.map((team) => team.id) });
  }
  return found;
}

/** What /admin shows. */
export async function ssoSettings(): Promise<SsoSettingsJson> {
  const fromEnv = envSsoConfig();
  const row = fromEnv ? null : await readStored();
  const config = fromEnv ?? (row ? { ...row.stored, clientSecret: "" } : null);
  if (!config)
    return {
      source: "none",
      issuer: null,
      clientId: null,
      clientSecretSet: false,
      name: DEFAULT_SSO_NAME,
      allowedDomains: [],
      groupsClaim: DEFAULT_GROUPS_CLAIM,
      groupRoles: [],
      updatedAt: null,
    };
  const teams = await resolveTeams(config.groupRoles.map((line) => line.team));
  return {
    source: fromEnv ? "env" : "admin",
    issuer: config.issuer,
    clientId: config.clientId,
    // A secret that no longer opens (another PORTAL_SECRETS_KEY) counts as not set: it must be given again.
    clientSecretSet: fromEnv ? true : openStoredSecret(row!.stored.sealedSecret) !== null,
    name: config.name,
    allowedDomains: config.allowedDomains,
    groupsClaim: config.groupsClaim,
    groupRoles: config.groupRoles.map((line) => {
      const team = teams.get(line.team);
      return team && "id" in team
        ? { group: line.group, teamId: team.id, teamName: team.name, role: line.role }
        : { group: line.group, teamId: "", teamName: line.team, role: line.role };
    }),
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

export interface SsoSettingsInput {
  issuer: string;
  clientId: string;
  /** Omitted: the one already stored stays. */
  clientSecret?: string;
  name?: string;
  allowedDomains: string[];
  groupsClaim?: string;
  groupRoles: GroupRole[];
}

function assertNotFromEnv() {
  if (envSsoConfig())
    throw conflict("configured_by_env", "Single sign-on is configured by the environment (PORTAL_OIDC_*); unset it there to configure it here.");
}

/** Saves the admin's configuration, after checking the issuer answers discovery and every team exists. */
export async function saveSsoSettings({ actorId, input }: { actorId: string; input: SsoSettingsInput }): Promise<SsoSettingsJson> {
  assertNotFromEnv();
  const issuer = trimIssuer(input.issuer);
  const current = await readStored();
  const problems: FieldError[] = [];
  if (!input.clientSecret && !(current && openStoredSecret(current.stored.sealedSecret) !== null))
    problems.push({ path: "clientSecret", message: "is required (no client secret is stored yet)" });
  const teams = await resolveTeams(input.groupRoles.map((line) => line.team));
  input.groupRoles.forEach((line, index) => {
    const team = teams.get(line.team);
    if (team && "ambiguous" in team) problems.push({ path: `groupRoles.${index}.team`, message: "several teams have this name; give the team's id" });
    else if (!team) problems.push({ path: `groupRoles.${index}.team`, message: "no team has this id or name" });
  });
  const discovery = await checkDiscovery(issuer);
  if (discovery) problems.push({ path: "issuer", message: discovery });
  if (problems.length) throw unprocessable("The single sign-on settings are not valid.", problems);

  const stored: StoredSso = {
    issuer,
    clientId: input.clientId,
    sealedSecret: input.clientSecret ? sealSecret(input.clientSecret) : current!.stored.sealedSecret,
    name: input.name || DEFAULT_SSO_NAME,
    allowedDomains: [...new Set(input.allowedDomains)],
    groupsClaim: input.groupsClaim || DEFAULT_GROUPS_CLAIM,
    groupRoles: input.groupRoles.map((line) => ({ ...line, team: (teams.get(line.team) as { id: string }).id })),
  };
  await db().$transaction(async (tx) => {
    await tx.instanceSetting.upsert({
      where: { key: SETTING_KEY },
      create: { key: SETTING_KEY, value: stored },
      update: { value: stored, updatedAt: new Date() },
    });
    await recordAudit(tx, {
      teamId: null,
      actorId,
      action: "sso.update",
      targetType: "instance",
      detail: { issuer, clientId: input.clientId, secretChanged: Boolean(input.clientSecret), groupRoles: stored.groupRoles.length },
    });
  });
  return ssoSettings();
}

export async function removeSsoSettings({ actorId }: { actorId: string }) {
  assertNotFromEnv();
  await db().$transaction(async (tx) => {
    const { count } = await tx.instanceSetting.deleteMany({ where: { key: SETTING_KEY } });
    if (count) await recordAudit(tx, { teamId: null, actorId, action: "sso.remove", targetType: "instance" });
  });
}

/** Why the issuer cannot be used, or null: its discovery document must name it as its issuer. */
async function checkDiscovery(issuer: string): Promise<string | null> {
  try {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000), redirect: "error" });
    if (!response.ok) return `its discovery document answered ${response.status}`;
    const document = (await response.json()) as { issuer?: unknown; authorization_endpoint?: unknown };
    if (typeof document.issuer !== "string" || trimIssuer(document.issuer) !== issuer)
      return `its discovery document names another issuer (${String(document.issuer).slice(0, 200)})`;
    if (typeof document.authorization_endpoint !== "string") return "its discovery document has no authorization_endpoint";
    return null;
  } catch (error) {
    return `its discovery document could not be read (${error instanceof Error ? error.message : "no answer"})`;
  }
}

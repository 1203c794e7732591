import "server-only";
import type { Prisma, TeamSandboxConfig } from "@/generated/prisma/client";
import type { McpServerConfig } from "sandbox-agent";
import { type IfMatch, matchesVersion } from "@/lib/api/versions";
import { recordAudit } from "@/lib/audit";
import type { McpServerJson, SkillSourceJson } from "@/lib/contract/team-workspace";
import { db } from "@/lib/db/client";
import { ApiError } from "@/lib/errors";
import { runtimeOfSandbox, type SandboxRow } from "@/lib/sandboxes/sandboxes";
import { openSecret, sealSecret } from "@/lib/secrets/box";

// A team's MCP servers and skills, given to every new sandbox of the team through its runtime
// (setMcpConfig / setSkillsConfig for the workspace, which the runtime hands to each session/new).
// The values of an HTTP server's headers are secrets: sealed at rest, never answered back (an
// admin sees the header names), and opened only to be written into the new sandbox — where the
// agent, which must call that server, can read them.

export type McpServerInput =
  | { name: string; type: "local"; command: string; args?: string[]; env?: Record<string, string> }
  | { name: string; type: "remote"; url: string; headers?: Record<string, string | null> };

type StoredServer =
  | { name: string; type: "local"; command: string; args: string[]; env: Record<string, string> }
  | { name: string; type: "remote"; url: string; headers: Record<string, string> };

/** As an admin sees it: header values are null (kept, not shown). */
function serverJson(server: StoredServer): McpServerJson {
  if (server.type === "local") return server;
  return { ...server, headers: Object.fromEntries(Object.keys(server.headers).map((name) => [name, null])) };
}

async function configRow(teamId: string) {
  const row = await db().teamSandboxConfig.findUnique({ where: { teamId } });
  return parsedConfig(row);
}

function parsedConfig(row: TeamSandboxConfig | null) {
  return {
    servers: (row?.mcpServers ?? []) as unknown as StoredServer[],
    skills: ((row?.skills ?? { sources: [] }) as unknown as { sources: SkillSourceJson[] }).sources,
    mcpVersion: row?.mcpVersion ?? 0,
    skillsVersion: row?.skillsVersion ?? 0,
  };
}

/** Each list answers with its version: the ETag a PUT names in If-Match. */
export async function teamMcp({ teamId }: { teamId: string }) {
  const { servers, mcpVersion } = await configRow(teamId);
  return { servers: servers.map(serverJson), version: mcpVersion };
}

export async function teamSkills({ teamId }: { teamId: string }) {
  const { skills, skillsVersion } = await configRow(teamId);
  return { sources: skills, version: skillsVersion };
}

/**
 * The team's config row for a write, locked until the transaction ends (made first when the team has
 * none), so the version check and the write see no other writer between them.
 */
async function lockedConfig(tx: Prisma.TransactionClient, teamId: string) {
  await tx.$executeRaw`INSERT INTO team_sandbox_configs (team_id) VALUES (${teamId}) ON CONFLICT (team_id) DO NOTHING`;
  await tx.$queryRaw`SELECT 1 FROM team_sandbox_configs WHERE team_id = ${teamId} FOR UPDATE`;
  return parsedConfig(await tx.teamSandboxConfig.findUnique({ where: { teamId } }));
}

type ListWrite = {
  teamId: string;
  actorId: string;
  /** The versions the caller read (If-Match); absent: whatever is stored is replaced. */
  ifMatch?: IfMatch;
};

/** One of the team's lists replaced under its row lock; a write that names the version it read is
 * refused once another write replaced it. */
async function replaceList<T>(
  what: "MCP servers" | "skills",
  { teamId, ifMatch }: ListWrite,
  replace: (tx: Prisma.TransactionClient, current: Awaited<ReturnType<typeof lockedConfig>>) => Promise<T>,
): Promise<T> {
  return db().$transaction(async (tx) => {
    const current = await lockedConfig(tx, teamId);
    const version = what === "skills" ? current.skillsVersion : current.mcpVersion;
    if (!matchesVersion(version, ifMatch))
      throw new ApiError("edited_meanwhile", `Someone else changed the team's ${what} since you read them; nothing was saved.`);
    return replace(tx, current);
  });
}

/** Replaces the team's MCP servers; a header sent as null keeps the value it had. */
export async function setTeamMcp({ servers, ...write }: ListWrite & { servers: McpServerInput[] }) {
  const { teamId, actorId } = write;
  return replaceList("MCP servers", write, async (tx, current) => {
    const before = new Map(current.servers.map((server) => [server.name, server]));
    const stored: StoredServer[] = servers.map((server) => {
      if (server.type === "local") return { name: server.name, type: "local", command: server.command, args: server.args ?? [], env: server.env ?? {} };
      const previous = before.get(server.name);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(server.headers ?? {})) {
        const kept = previous?.type === "remote" ? previous.headers[name] : undefined;
        if (value !== null) headers[name] = sealSecret(value);
        else if (kept) headers[name] = kept;
      }
      return { name: server.name, type: "remote", url: server.url, headers };
    });
    const row = await tx.teamSandboxConfig.update({
      where: { teamId },
      data: { mcpServers: stored, mcpVersion: { increment: 1 }, updatedBy: actorId, updatedAt: new Date() },
    });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "team.mcp",
      targetType: "team",
      targetId: teamId,
      detail: { servers: stored.map((server) => ({ name: server.name, type: server.type })) },
    });
    return { servers: stored.map(serverJson), version: row.mcpVersion };
  });
}

export async function setTeamSkills({ sources, ...write }: ListWrite & { sources: SkillSourceJson[] }) {
  const { teamId, actorId } = write;
  return replaceList("skills", write, async (tx) => {
    const row = await tx.teamSandboxConfig.update({
      where: { teamId },
      data: { skills: { sources } as unknown as Prisma.InputJsonValue, skillsVersion: { increment: 1 }, updatedBy: actorId, updatedAt: new Date() },
    });
    await recordAudit(tx, {
      teamId,
      actorId,
      action: "team.skills",
      targetType: "team",
      targetId: teamId,
      detail: { sources: sources.map((source) => source.source) },
    });
    return { sources, version: row.skillsVersion };
  });
}

/** A new sandbox gets the team's MCP servers and skills before its first session; what it got is kept on its row. */
export async function applyTeamConfig(sandbox: SandboxRow) {
  const { servers, skills } = await configRow(sandbox.teamId);
  if (servers.length === 0 && skills.length === 0) return;
  const { sdk } = await (await runtimeOfSandbox(sandbox)).sdk();
  const directory = sandbox.workspace;
  for (const server of servers) {
    const config: McpServerConfig =
      server.type === "local"
        ? { type: "local", command: server.command, args: server.args, env: server.env }
        : { type: "remote", url: server.url, headers: Object.fromEntries(Object.entries(server.headers).map(([name, sealed]) => [name, openSecret(sealed)])) };
    await sdk.setMcpConfig({ directory, mcpName: server.name }, config);
  }
  if (skills.length > 0) await sdk.setSkillsConfig({ directory, skillName: "team" }, { sources: skills });
  const applied = { mcpServers: servers.map((server) => server.name), skillSources: skills.map((source) => source.source) };
  await db().sandbox.update({ where: { id: sandbox.id }, data: { appliedConfig: applied } });
}

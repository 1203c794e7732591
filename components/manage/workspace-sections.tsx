import { ApiButton } from "@/components/manage/api-button";
import { CopySecret } from "@/components/manage/copy-secret";
import { AddMcpServerForm, AddRepositoryForm, AddSkillSourceForm, RemoveListEntry, type VersionedList } from "@/components/manage/workspace-forms";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { Pager, type PagePosition } from "@/components/ui/pager";
import { RelativeTime } from "@/components/ui/relative-time";
import { firstPageUnlessValid } from "@/lib/db/keyset";
import { listRepositories } from "@/lib/sandboxes/repository";
import type { McpServerJson, SkillSourceJson } from "@/lib/contract/team-workspace";
import { teamMcp, teamSkills } from "@/lib/sandboxes/team-config";

// What a team's new sandboxes start with (Settings, admins): repositories to clone, MCP servers and
// skills. Secrets (a repository's token or private key, an HTTP server's header values) are named,
// never shown; a deploy key's public half is shown to copy into the host.

const CREDENTIAL_LABEL = { token: "HTTPS token", deployKey: "Deploy key" } as const;

/**
 * Repositories a member can start a session from; the clone is made on the host with the credential.
 * Paged like the API, by name: `cursor` is the page's, `links` its Pager's addresses (pageLinks).
 */
export async function RepositoriesSection({
  team,
  cursor,
  links,
}: {
  team: { id: string };
  cursor?: string;
  links: (page: PagePosition) => { href: string | null; firstHref: string | null };
}) {
  const { items, nextCursor, fromStart } = await firstPageUnlessValid(cursor, (from) => listRepositories({ teamId: team.id, cursor: from, limit: 50 }));
  return (
    <ManageSection title="Repositories" testId="repositories-section" id="repositories">
      <p className="muted small">
        New session can start a sandbox as a clone of one of these. The portal clones and pushes on its own side with the token or deploy key: neither ever
        enters a sandbox.
      </p>
      {items.length === 0 ? (
        <p className="muted small" data-testid="repository-empty">
          No repositories yet.
        </p>
      ) : (
        <ManageTable testId="repository-list" columns={["Repository", "Clone URL", "Default branch", "Credential", "Added", null]}>
          {items.map((repository) => (
            <tr key={repository.id} data-testid="repository-row" data-name={repository.name}>
              <td>
                <strong>{repository.name}</strong>
              </td>
              <td>
                <code className="small">{repository.url}</code>
              </td>
              <td>
                <code className="small">{repository.defaultBranch}</code>
              </td>
              <td className="small">
                {repository.credential ? (
                  <span className="manage-tag">{CREDENTIAL_LABEL[repository.credential]}</span>
                ) : (
                  <span className="muted">none (public)</span>
                )}
              </td>
              <td className="muted small">
                <RelativeTime iso={repository.createdAt} />
              </td>
              <td>
                <div className="manage-actions-cell">
                  <ApiButton
                    method="DELETE"
                    url={`/api/teams/${team.id}/repositories/${repository.id}`}
                    label="Remove"
                    pendingLabel="Removing…"
                    className="button small ghost"
                    confirm={`Remove the repository ${repository.name} and its credential? Sandboxes cloned from it keep their files.`}
                    testId="repository-remove"
                  />
                </div>
              </td>
            </tr>
          ))}
        </ManageTable>
      )}
      <Pager {...links({ nextCursor, fromStart })} firstLabel="First repositories" label="More repositories" testId="repositories-more" />
      {items.some((repository) => repository.deployKey) && (
        <div className="deploy-keys" data-testid="deploy-keys">
          <h3 className="manage-card-title">Deploy keys</h3>
          {items.map(
            (repository) =>
              repository.deployKey && (
                <div key={repository.id} data-testid="deploy-key" data-name={repository.name}>
                  <CopySecret
                    live={false}
                    value={repository.deployKey.publicKey}
                    note={`${repository.name}: add this public key to the repository's deploy keys (with write access, to push). Key ${repository.deployKey.fingerprint}.`}
                    testId="deploy-key-public"
                  />
                  <p className="muted small" data-testid="deploy-key-host">
                    Host key pinned: {repository.hostKeys.map((key) => `${key.type} ${key.fingerprint}`).join(", ")}
                  </p>
                </div>
              ),
          )}
        </div>
      )}
      <AddRepositoryForm teamId={team.id} />
    </ManageSection>
  );
}

/** MCP servers and skill sources, written into every new sandbox of the team before its first session. */
export async function AgentToolsSection({ team }: { team: { id: string } }) {
  const [mcp, skills] = await Promise.all([teamMcp({ teamId: team.id }), teamSkills({ teamId: team.id })]);
  const servers: VersionedList<McpServerJson> = { url: `/api/teams/${team.id}/mcp`, field: "servers", items: mcp.servers, version: mcp.version };
  const sources: VersionedList<SkillSourceJson> = { url: `/api/teams/${team.id}/skills`, field: "sources", items: skills.sources, version: skills.version };
  return (
    <>
      <ManageSection title="MCP servers" testId="mcp-section" id="mcp">
        <p className="muted small">
          Given to the agents of every new sandbox of the team. A command runs inside the sandbox; an HTTP server is called from it, with its headers (the agent
          can read them).
        </p>
        {servers.items.length === 0 ? (
          <p className="muted small" data-testid="mcp-empty">
            No MCP servers yet.
          </p>
        ) : (
          <ManageTable testId="mcp-list" columns={["Server", "Kind", "Runs", "Settings", null]}>
            {servers.items.map((server, index) => (
              <tr key={server.name} data-testid="mcp-row" data-name={server.name}>
                <td>
                  <strong>{server.name}</strong>
                </td>
                <td className="small">{server.type === "local" ? "stdio" : "HTTP"}</td>
                <td>
                  <code className="small">{server.type === "local" ? [server.command, ...server.args].join(" ") : server.url}</code>
                </td>
                <td className="small">
                  <NamesOnly
                    names={server.type === "local" ? Object.keys(server.env) : Object.keys(server.headers)}
                    kind={server.type === "local" ? "environment" : "headers"}
                  />
                </td>
                <td>
                  <div className="manage-actions-cell">
                    <RemoveListEntry
                      list={servers}
                      index={index}
                      confirm={`Remove the MCP server ${server.name}? Sandboxes made from now on will not have it.`}
                      testId="mcp-remove"
                    />
                  </div>
                </td>
              </tr>
            ))}
          </ManageTable>
        )}
        <AddMcpServerForm servers={servers} />
      </ManageSection>
      <ManageSection title="Skills" testId="skills-section" id="skills">
        <p className="muted small">
          Where the agents of every new sandbox find their skills (folders with a <code>SKILL.md</code>): a GitHub repository, a git URL or a path in the
          sandbox.
        </p>
        {sources.items.length === 0 ? (
          <p className="muted small" data-testid="skill-empty">
            No skills yet.
          </p>
        ) : (
          <ManageTable testId="skill-list" columns={["Source", "From", "Skills", "Ref", null]}>
            {sources.items.map((source, index) => (
              <tr key={`${index}-${source.source}`} data-testid="skill-row" data-source={source.source}>
                <td>
                  <code className="small">
                    {source.source}
                    {source.subpath ? `/${source.subpath}` : ""}
                  </code>
                </td>
                <td className="small">{SKILL_KINDS[source.type] ?? source.type}</td>
                <td className="small">{source.skills?.length ? source.skills.join(", ") : <span className="muted">all</span>}</td>
                <td className="small">{source.ref ? <code>{source.ref}</code> : <span className="muted">default</span>}</td>
                <td>
                  <div className="manage-actions-cell">
                    <RemoveListEntry
                      list={sources}
                      index={index}
                      confirm={`Remove the skills from ${source.source}? Sandboxes made from now on will not have them.`}
                      testId="skill-remove"
                    />
                  </div>
                </td>
              </tr>
            ))}
          </ManageTable>
        )}
        <AddSkillSourceForm sources={sources} />
      </ManageSection>
    </>
  );
}

const SKILL_KINDS: Record<string, string> = { github: "GitHub", git: "git", local: "sandbox path" };

/** The names of a server's environment or headers: values are not shown (headers' are never kept readable). */
function NamesOnly({ names, kind }: { names: string[]; kind: "environment" | "headers" }) {
  if (names.length === 0) return <span className="muted">no {kind}</span>;
  return (
    <span>
      {names.map((name) => (
        <code key={name} className="manage-secret-name">
          {name}
        </code>
      ))}{" "}
      <span className="muted">{kind === "headers" ? "(values sealed)" : "(values not shown)"}</span>
    </span>
  );
}

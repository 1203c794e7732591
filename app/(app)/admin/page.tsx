import { redirect } from "next/navigation";
import { headers } from "next/headers";
import { AgentInstalls } from "@/components/admin/agent-installs";
import { SsoSettings } from "@/components/admin/sso-settings";
import { ApiButton } from "@/components/manage/api-button";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { StatusPage } from "@/components/ui/status-page";
import { listUsers, teamCreationSetting } from "@/lib/accounts/instance";
import { listAgentInstalls } from "@/lib/agents/installer";
import { getCurrentUser } from "@/lib/auth/current-user";
import { ssoSettings } from "@/lib/auth/sso-config";
import { db } from "@/lib/db/client";
import { publicOrigin } from "@/lib/http/public-origin";
import { sandboxPool } from "@/lib/sandboxes/pool";
import { listInstances } from "@/lib/cluster/lease";

export const dynamic = "force-dynamic";
export const metadata = { title: "Admin" };

export default async function AdminPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  if (!user.isInstanceAdmin)
    return (
      <StatusPage
        code={403}
        title="Only instance admins can open this page"
        text="The admin page manages accounts, the runtime and sandboxes of the whole portal. Ask an instance admin if you need something changed."
        testId="forbidden"
      />
    );
  const [users, creation, instances, sso, teams, requestHeaders] = await Promise.all([
    listUsers({ limit: 500 }),
    teamCreationSetting(),
    listInstances(),
    ssoSettings(),
    db().team.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }),
    headers(),
  ]);
  const runtime = sandboxPool().overview();
  return (
    <div className="page">
      <PageHeader
        title="Instance admin"
        subtitle="Agents, the runtime and sandboxes, every account on this portal, single sign-on, and who may create teams."
      />
      <div className="manage-grid">
        <div className="stack">
          <ManageSection title="Users">
            <ManageTable testId="admin-users" columns={["Person", "Teams", "Status", null]}>
              {users.items.map((account) => {
                const self = account.id === user.id;
                return (
                  <tr key={account.id} data-testid="admin-user-row" data-email={account.email}>
                    <td>
                      <strong>{account.name}</strong> {account.isInstanceAdmin && <span className="manage-tag manage-tag-current">instance admin</span>}
                      <div className="muted small">{account.email}</div>
                    </td>
                    <td className="muted">
                      {account.teamCount} {account.teamCount === 1 ? "team" : "teams"}
                    </td>
                    <td>{account.disabled ? <span className="manage-tag manage-tag-bad">disabled</span> : <span className="manage-tag">active</span>}</td>
                    <td>
                      <div className="manage-actions-cell">
                        <ApiButton
                          method="PATCH"
                          url={`/api/admin/users/${account.id}`}
                          body={{ disabled: !account.disabled }}
                          label={account.disabled ? "Enable" : "Disable"}
                          confirm={account.disabled ? undefined : `Disable ${account.email}? Their sign-ins and tokens end at once.`}
                          className="button ghost small"
                          disabledReason={self ? "You cannot disable yourself." : undefined}
                          testId="admin-user-disable"
                        />
                        {!self && (
                          <ApiButton
                            method="PATCH"
                            url={`/api/admin/users/${account.id}`}
                            body={{ isInstanceAdmin: !account.isInstanceAdmin }}
                            label={account.isInstanceAdmin ? "Remove admin" : "Make admin"}
                            className="button ghost small"
                            testId="admin-user-flag"
                          />
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </ManageTable>
          </ManageSection>
          <ManageSection title="Single sign-on" card testId="admin-sso" id="sso">
            <SsoSettings settings={sso} teams={teams} callbackUrl={`${publicOrigin({ headers: requestHeaders })}/api/auth/callback/oidc`} />
          </ManageSection>
        </div>
        <div className="stack">
          <ManageSection title="Agents" card testId="admin-agents-section" id="agents">
            <AgentInstalls initial={listAgentInstalls()} />
          </ManageSection>
          <ManageSection title="Runtime and sandboxes" card testId="admin-runtime">
            <dl className="facts">
              <dt>Sandbox provider</dt>
              <dd>{runtime.provider}</dd>
              <dt>Mode</dt>
              <dd>{runtime.mode}</dd>
              <dt>Status</dt>
              <dd data-testid="admin-runtime-status">{runtime.status}</dd>
              <dt>Restarts</dt>
              <dd>{runtime.restarts}</dd>
              <dt>Sandbox runtimes</dt>
              <dd data-testid="admin-sandbox-count">{runtime.sandboxes.length}</dd>
              {runtime.startedAt && (
                <>
                  <dt>Started</dt>
                  <dd>{String(runtime.startedAt).replace("T", " ").slice(0, 19)}</dd>
                </>
              )}
            </dl>
          </ManageSection>
          <ManageSection title="Portal instances" card testId="admin-instances">
            <p className="muted small">Each runs the sandboxes it owns; another takes them over when its lease lapses.</p>
            <ul className="manage-list">
              {instances.map((instance) => (
                <li key={instance.label}>
                  <strong>{instance.label}</strong> {instance.self && <span className="manage-tag manage-tag-current">this one</span>}
                  <div className="muted small">
                    {instance.sandboxes} sandbox{instance.sandboxes === 1 ? "" : "es"} · up since {instance.startedAt.replace("T", " ").slice(0, 19)}
                  </div>
                </li>
              ))}
            </ul>
          </ManageSection>
          <ManageSection title="Team creation" card>
            <p className="muted small" data-testid="team-creation-setting">
              {creation === "everyone" ? "Everyone may create teams." : "Only instance admins create teams."}
            </p>
            <div>
              <ApiButton
                method="PUT"
                url="/api/admin/settings"
                body={{ teamCreation: creation === "everyone" ? "admins" : "everyone" }}
                label={creation === "everyone" ? "Allow only instance admins" : "Allow everyone"}
                className="button small"
                testId="team-creation-toggle"
              />
            </div>
          </ManageSection>
        </div>
      </div>
    </div>
  );
}

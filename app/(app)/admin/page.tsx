import { notFound, redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { listUsers, teamCreationSetting } from "@/lib/accounts/instance";
import { getCurrentUser } from "@/lib/auth/current-user";
import { sandboxRuntimes } from "@/lib/sandboxes/runtimes";
import { listInstances } from "@/lib/sessions/ownership";
import "../manage.css";

export const dynamic = "force-dynamic";
export const metadata = { title: "Admin" };

export default async function AdminPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  if (!user.isInstanceAdmin) notFound();
  const [users, creation, instances] = await Promise.all([listUsers({ limit: 500 }), teamCreationSetting(), listInstances()]);
  const runtime = sandboxRuntimes().overview();
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Instance admin</h1>
          <p className="muted page-subtitle">The runtime and sandboxes, every account on this portal, and who may create teams.</p>
        </div>
      </div>
      <div className="manage-grid">
        <section className="manage-section">
          <h2>Users</h2>
          <div className="table-wrap">
            <table className="table manage-table" data-testid="admin-users">
              <thead>
                <tr>
                  <th>Person</th>
                  <th>Teams</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {users.items.map((account) => {
                  const self = account.id === user.id;
                  return (
                    <tr key={account.id} data-testid="admin-user-row" data-email={account.email}>
                      <td>
                        <strong>{account.name}</strong> {account.isInstanceAdmin && <span className="manage-tag manage-tag-current">instance admin</span>}
                        <div className="muted small">{account.email}</div>
                      </td>
                      <td className="muted">{account.teamCount}</td>
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
                            <ApiButton method="PATCH" url={`/api/admin/users/${account.id}`} body={{ isInstanceAdmin: !account.isInstanceAdmin }} label={account.isInstanceAdmin ? "Remove admin" : "Make admin"} className="button ghost small" testId="admin-user-flag" />
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
        <div className="stack">
          <section className="card manage-section" data-testid="admin-runtime">
            <h2>Runtime and sandboxes</h2>
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
          </section>
          <section className="card manage-section" data-testid="admin-instances">
            <h2>Portal instances</h2>
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
          </section>
          <section className="card manage-section">
            <h2>Team creation</h2>
            <p className="muted small" data-testid="team-creation-setting">
              {creation === "everyone" ? "Everyone may create teams." : "Only instance admins create teams."}
            </p>
            <div>
              <ApiButton method="PUT" url="/api/admin/settings" body={{ teamCreation: creation === "everyone" ? "admins" : "everyone" }} label={creation === "everyone" ? "Allow only instance admins" : "Allow everyone"} className="button small" testId="team-creation-toggle" />
            </div>
          </section>
        </div>
      </div>
    </div>
  );
}

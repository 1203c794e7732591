import Link from "next/link";
import { redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { CreateTeamForm } from "@/components/manage/team-forms";
import { teamCreationSetting } from "@/lib/accounts/instance";
import { getCurrentUser } from "@/lib/auth/current-user";
import { chosenTeamOf, listTeamsOf } from "@/lib/teams/membership";
import { listMyInvitations } from "@/lib/teams/invitations";
import "../manage.css";

export const dynamic = "force-dynamic";
export const metadata = { title: "Teams" };

export default async function TeamsPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const [teams, invitations, chosen, creation] = await Promise.all([listTeamsOf(user.id), listMyInvitations({ email: user.email }), chosenTeamOf(user.id), teamCreationSetting()]);
  const activeTeamId = chosen ?? teams[0]?.id ?? null;
  const mayCreate = user.isInstanceAdmin || creation === "everyone";
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Teams</h1>
          <p className="muted page-subtitle">The teams you are in. The session list and New session follow the current team.</p>
        </div>
      </div>
      {invitations.items.length > 0 && (
        <section className="manage-section" data-testid="my-invitations">
          <h2>Invitations for you</h2>
          <div className="table-wrap">
            <table className="table manage-table">
              <tbody>
                {invitations.items.map((invitation) => (
                  <tr key={invitation.id} data-testid="my-invitation">
                    <td>
                      <strong>{invitation.teamName}</strong> <span className="muted">as {invitation.role}</span>
                    </td>
                    <td>
                      <div className="manage-actions-cell">
                        <ApiButton method="POST" url={`/api/me/invitations/${invitation.id}/accept`} label="Accept" className="button primary small" testId="invitation-accept" />
                        <ApiButton method="POST" url={`/api/me/invitations/${invitation.id}/decline`} label="Decline" className="button ghost small" testId="invitation-decline" />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <div className="manage-grid">
        <section className="manage-section">
          <h2>Your teams</h2>
          {teams.length === 0 ? (
            <div className="empty">
              <p className="empty-title">You are in no team yet</p>
              <p className="muted">Accept an invitation, or create a team below.</p>
            </div>
          ) : (
            <div className="table-wrap">
              <table className="table manage-table" data-testid="team-list">
                <thead>
                  <tr>
                    <th>Team</th>
                    <th>Your role</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {teams.map((team) => (
                    <tr key={team.id} data-testid="team-row">
                      <td>
                        <span className="row-link" data-testid="team-name">
                          {team.name}
                        </span>{" "}
                        {team.id === activeTeamId && <span className="manage-tag manage-tag-current">current</span>}
                      </td>
                      <td className="muted">{team.role}</td>
                      <td>
                        <div className="manage-actions-cell">
                          <Link className="button small" href={`/teams/${team.id}/members`}>
                            Members
                          </Link>
                          {(team.role === "admin" || team.role === "owner") && (
                            <Link className="button small" href={`/teams/${team.id}/audit`}>
                              Audit
                            </Link>
                          )}
                          {team.id !== activeTeamId && <ApiButton method="PATCH" url="/api/me" body={{ activeTeamId: team.id }} label="Switch to" className="button ghost small" testId="team-switch" />}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section className="card manage-section">
          <h2>Create a team</h2>
          {mayCreate ? (
            <CreateTeamForm />
          ) : (
            <p className="muted small">On this portal only instance admins create teams.</p>
          )}
        </section>
      </div>
    </div>
  );
}

import Link from "next/link";
import { redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { CreateTeamForm } from "@/components/manage/team-forms";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { Pager, pageLinks } from "@/components/ui/pager";
import { teamCreationSetting } from "@/lib/accounts/instance";
import { getCurrentUser } from "@/lib/auth/current-user";
import { firstPageUnlessValid } from "@/lib/db/keyset";
import { listMyInvitations } from "@/lib/teams/invitations";
import { may } from "@/lib/contract/roles";
import { chosenTeamOf, listTeamsOf } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";
export const metadata = { title: "Teams" };

export default async function TeamsPage({ searchParams }: { searchParams: Promise<{ invitations?: string }> }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { invitations: cursor } = await searchParams;
  const [teams, invitations, chosen, creation] = await Promise.all([
    listTeamsOf(user.id),
    // Paged like the API: a person invited to more teams than fit reaches the rest through "Older invitations".
    firstPageUnlessValid(cursor, (from) => listMyInvitations({ email: user.email, cursor: from, limit: 50 })),
    chosenTeamOf(user.id),
    teamCreationSetting(),
  ]);
  const activeTeamId = chosen ?? teams[0]?.id ?? null;
  const mayCreate = user.isInstanceAdmin || creation === "everyone";
  return (
    <div className="page">
      <PageHeader title="Teams" subtitle="The teams you are in. The session list and New session follow the current team." />
      {invitations.items.length > 0 && (
        <ManageSection title="Invitations for you" testId="my-invitations">
          <ManageTable>
            {invitations.items.map((invitation) => (
              <tr key={invitation.id} data-testid="my-invitation">
                <td>
                  <strong>{invitation.teamName}</strong> <span className="muted">as {invitation.role}</span>
                </td>
                <td>
                  <div className="manage-actions-cell">
                    <ApiButton
                      method="POST"
                      url={`/api/me/invitations/${invitation.id}/accept`}
                      label="Accept"
                      className="button primary small"
                      testId="invitation-accept"
                    />
                    <ApiButton
                      method="POST"
                      url={`/api/me/invitations/${invitation.id}/decline`}
                      label="Decline"
                      className="button ghost small"
                      testId="invitation-decline"
                    />
                  </div>
                </td>
              </tr>
            ))}
          </ManageTable>
          <Pager
            {...pageLinks({ path: "/teams", cursors: { invitations: cursor }, list: "invitations", page: invitations })}
            firstLabel="Newest invitations"
            label="Older invitations"
            testId="my-invitations-older"
          />
        </ManageSection>
      )}
      <div className="manage-grid">
        <ManageSection title="Your teams">
          {teams.length === 0 ? (
            <div className="empty">
              <p className="empty-title">You are in no team yet</p>
              <p className="muted">Accept an invitation, or create a team below.</p>
            </div>
          ) : (
            <ManageTable testId="team-list" columns={["Team", "Your role", null]}>
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
                      {may(team.role, "readAudit") && (
                        <Link className="button small" href={`/teams/${team.id}/audit`}>
                          Audit
                        </Link>
                      )}
                      {team.id !== activeTeamId && (
                        <ApiButton
                          method="PATCH"
                          url="/api/me"
                          body={{ activeTeamId: team.id }}
                          label="Switch to"
                          className="button ghost small"
                          testId="team-switch"
                        />
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </ManageTable>
          )}
        </ManageSection>
        <ManageSection title="Create a team" card>
          {mayCreate ? <CreateTeamForm /> : <p className="muted small">On this portal only instance admins create teams.</p>}
        </ManageSection>
      </div>
    </div>
  );
}

import Link from "next/link";
import { redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { RoleSelect } from "@/components/manage/role-select";
import { InviteForm } from "@/components/manage/secret-forms";
import { TeamCrumb } from "@/components/manage/team-crumb";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { Pager, pageLinks, type PagePosition } from "@/components/ui/pager";
import { RelativeTime } from "@/components/ui/relative-time";
import { getCurrentUser } from "@/lib/auth/current-user";
import { lastSeenOf } from "@/lib/auth/sign-in-sessions";
import { grantableRoles, may, whyNotManage, type Role } from "@/lib/contract/roles";
import { firstPageUnlessValid } from "@/lib/db/keyset";
import { listTeamInvitations } from "@/lib/teams/invitations";
import { countOwners, listMembers } from "@/lib/teams/members";
import { teamForPage } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ teamId: string }>; searchParams: Promise<{ members?: string; invitations?: string }> };

const MEMBERS_PER_PAGE = 100;

const LAST_OWNER = "The last owner cannot be removed or demoted: make someone else owner first.";

export async function generateMetadata({ params }: Props) {
  const user = await getCurrentUser();
  if (!user) return { title: "Members" };
  const { team } = await teamForPage((await params).teamId, user.id);
  return { title: `Members · ${team.name}` };
}

/** Why the caller may not change this member, or undefined when they may. */
function lockedReason(actor: Role, target: Role, isLastOwner: boolean): string | undefined {
  if (isLastOwner && may(actor, "manageMembers")) return LAST_OWNER;
  return whyNotManage(actor, target) ?? undefined;
}

export default async function MembersPage({ params, searchParams }: Props) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { teamId } = await params;
  const { members: membersCursor, invitations: invitationsCursor } = await searchParams;
  const { team, role } = await teamForPage(teamId, user.id);
  // Both lists paged like the API (members by email, invitations newest first); the owners are
  // counted in the whole team, so the last one is marked whichever page it is on.
  const [members, invitations, owners] = await Promise.all([
    firstPageUnlessValid(membersCursor, (from) => listMembers({ teamId, cursor: from, limit: MEMBERS_PER_PAGE })),
    firstPageUnlessValid(invitationsCursor, (from) => listTeamInvitations({ teamId, cursor: from, limit: 50 })),
    countOwners(teamId),
  ]);
  const lastActive = await lastSeenOf(members.items.map((member) => member.userId));
  const cursors = { members: membersCursor, invitations: invitationsCursor };
  const links = (list: keyof typeof cursors, page: PagePosition) => pageLinks({ path: `/teams/${team.id}/members`, cursors, list, page });
  const isAdmin = may(role, "manageMembers");
  const grantable = grantableRoles(role);

  return (
    <div className="page">
      <PageHeader
        crumb={<TeamCrumb team={team} onMembers />}
        title={`Members of ${team.name}`}
        titleTestId="members-title"
        subtitle={`You are ${role} in this team.${isAdmin ? " Invite people, change roles, remove members." : ""}`}
        actions={
          <div className="actions">
            <Link className="button" href={`/teams/${team.id}/sandboxes`} data-testid="sandboxes-link">
              Sandboxes
            </Link>
            <Link className="button" href={`/teams/${team.id}/usage`} data-testid="usage-link">
              Usage
            </Link>
            {may(role, "configureTeam") && (
              <Link className="button" href={`/teams/${team.id}/settings`} data-testid="settings-link">
                Settings
              </Link>
            )}
            {may(role, "readAudit") && (
              <Link className="button" href={`/teams/${team.id}/audit`}>
                Audit log
              </Link>
            )}
          </div>
        }
      />
      <div className="manage-grid">
        <div>
          <ManageSection title="Members">
            <ManageTable testId="member-list" columns={["Person", "Role", "Last active", null]}>
              {members.items.map((member) => {
                const isLastOwner = member.role === "owner" && owners === 1;
                const reason = lockedReason(role, member.role, isLastOwner);
                const self = member.userId === user.id;
                const seen = lastActive.get(member.userId);
                return (
                  <tr key={member.userId} data-testid="member-row" data-email={member.email}>
                    <td>
                      <strong data-testid="member-name">{member.name}</strong> {self && <span className="manage-tag manage-tag-current">you</span>}{" "}
                      {member.ssoGroup && (
                        <span
                          className="manage-tag"
                          title="Granted by single sign-on: the next sign-in changes or removes it with the person's groups, unless the role is set by hand"
                          data-testid="member-sso"
                        >
                          SSO group {member.ssoGroup}
                        </span>
                      )}
                      <div className="muted small email">{member.email}</div>
                    </td>
                    <td>
                      {isAdmin ? (
                        <RoleSelect
                          teamId={team.id}
                          userId={member.userId}
                          role={member.role}
                          options={reason ? [member.role] : grantable.includes(member.role) ? grantable : [member.role, ...grantable]}
                          disabledReason={reason}
                        />
                      ) : (
                        <span className="muted">{member.role}</span>
                      )}
                    </td>
                    <td className="muted small">{seen ? <RelativeTime iso={seen} /> : "—"}</td>
                    <td>
                      <div className="manage-actions-cell">
                        {(isAdmin || self) && (
                          <ApiButton
                            method="DELETE"
                            url={`/api/teams/${team.id}/members/${member.userId}`}
                            label={self ? "Leave" : "Remove"}
                            confirm={self ? `Leave ${team.name}?` : `Remove ${member.email} from ${team.name}?`}
                            className="button ghost small"
                            disabledReason={isLastOwner ? LAST_OWNER : self ? undefined : reason}
                            testId="member-remove"
                            after={self ? "/teams" : undefined}
                            reasonShown={!isLastOwner}
                          />
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </ManageTable>
            <Pager {...links("members", members)} firstLabel="First members" label="More members" testId="members-more" />
          </ManageSection>
          <ManageSection title="Pending invitations">
            {invitations.items.length === 0 ? (
              <p className="muted small" data-testid="no-invitations">
                No pending invitations.
              </p>
            ) : (
              <ManageTable testId="invitation-list" columns={["Email", "Role", "Expires", null]}>
                {invitations.items.map((invitation) => (
                  <tr key={invitation.id} data-testid="invitation-row">
                    <td className="email" data-testid="invitation-email">
                      {invitation.email}
                    </td>
                    <td className="muted">{invitation.role}</td>
                    <td className="muted small">{invitation.expiresAt.slice(0, 10)}</td>
                    <td>
                      <div className="manage-actions-cell">
                        {isAdmin && (
                          <ApiButton
                            method="DELETE"
                            url={`/api/teams/${team.id}/invitations/${invitation.id}`}
                            label="Revoke"
                            className="button ghost small"
                            testId="invitation-revoke"
                          />
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
              </ManageTable>
            )}
            <Pager {...links("invitations", invitations)} firstLabel="Newest invitations" label="Older invitations" testId="invitations-older" />
          </ManageSection>
        </div>
        {isAdmin && (
          <ManageSection title="Invite someone" card>
            <p className="muted small">Nobody joins without accepting. You get a one-time link to send them; no email is sent.</p>
            <InviteForm teamId={team.id} grantable={grantable} />
          </ManageSection>
        )}
      </div>
    </div>
  );
}

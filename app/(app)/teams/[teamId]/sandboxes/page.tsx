import Link from "next/link";
import { redirect } from "next/navigation";
import { ApiButton } from "@/components/manage/api-button";
import { TeamCrumb } from "@/components/manage/team-crumb";
import { ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { StatusBadge } from "@/components/ui/status-badge";
import { getCurrentUser } from "@/lib/auth/current-user";
import { providerLabel } from "@/lib/sandboxes/cloud-providers";
import { teamSandboxesForPage } from "@/lib/sandboxes/sandboxes";
import { may } from "@/lib/contract/roles";
import { teamForPage } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ teamId: string }> };

export async function generateMetadata({ params }: Props) {
  const user = await getCurrentUser();
  if (!user) return { title: "Sandboxes" };
  const { team } = await teamForPage((await params).teamId, user.id);
  return { title: `Sandboxes · ${team.name}` };
}

function size(bytes: number | null) {
  if (bytes === null) return "—";
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export default async function SandboxesPage({ params }: Props) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { teamId } = await params;
  const { team, role } = await teamForPage(teamId, user.id);
  const isAdmin = may(role, "manageSandboxes");
  const sandboxes = await teamSandboxesForPage({ teamId });
  return (
    <div className="page">
      <PageHeader
        crumb={<TeamCrumb team={team} />}
        title={`Sandboxes of ${team.name}`}
        subtitle="Where the team's agents run: each with its own workspace. A stopped sandbox starts again, with its files, on its next prompt."
      />
      {sandboxes.length === 0 ? (
        <div className="empty" data-testid="sandboxes-empty">
          <p className="empty-title">No sandboxes yet</p>
          <p className="muted">Every new session gets one.</p>
        </div>
      ) : (
        <ManageTable testId="sandbox-list" columns={["Sandbox", "Status", "Sessions", "Last active", "Disk", ...(isAdmin ? [null] : [])]}>
          {sandboxes.map((sandbox) => (
            <tr key={sandbox.id} data-testid="sandbox-row" data-status={sandbox.status}>
              <td>
                <code>{sandbox.id.slice(0, 8)}</code> <span className="muted small">{providerLabel(sandbox.provider)}</span>
              </td>
              <td>
                <StatusBadge status={sandbox.status} />
              </td>
              <td>
                {sandbox.sessions.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  sandbox.sessions.map((session) => (
                    <div key={session.id}>
                      <Link className="row-link" href={`/sessions/${session.id}`}>
                        {session.title}
                      </Link>
                    </div>
                  ))
                )}
              </td>
              <td className="muted small">
                <RelativeTime iso={sandbox.lastActiveAt.toISOString()} />
              </td>
              <td className="muted small">{size(sandbox.diskBytes)}</td>
              {isAdmin && (
                <td>
                  {sandbox.status !== "destroyed" && (
                    <div className="manage-actions-cell">
                      {sandbox.stoppable && (
                        <ApiButton method="POST" url={`/api/sandboxes/${sandbox.id}/stop`} label="Stop" pendingLabel="Stopping…" testId="sandbox-stop" />
                      )}
                      <ApiButton
                        method="DELETE"
                        url={`/api/sandboxes/${sandbox.id}`}
                        label="Destroy"
                        pendingLabel="Destroying…"
                        className="button small ghost danger-text"
                        confirm="Destroy this sandbox? Its sessions keep their history; its files are removed after the retention period."
                        testId="sandbox-destroy"
                      />
                    </div>
                  )}
                </td>
              )}
            </tr>
          ))}
        </ManageTable>
      )}
    </div>
  );
}

import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { BudgetForm } from "@/components/governance/budget-form";
import { PolicyEditor } from "@/components/governance/policy-editor";
import { WebhookForm, WebhookTestButton } from "@/components/governance/webhook-forms";
import { ApiButton } from "@/components/manage/api-button";
import { CredentialsSection } from "@/components/manage/credentials-section";
import { DeleteTeamForm } from "@/components/manage/delete-team-form";
import { TeamCrumb } from "@/components/manage/team-crumb";
import { AgentToolsSection, RepositoriesSection } from "@/components/manage/workspace-sections";
import { ManageSection, ManageTable } from "@/components/ui/manage-table";
import { PageHeader } from "@/components/ui/page-header";
import { Pager, pageLinks } from "@/components/ui/pager";
import { RelativeTime } from "@/components/ui/relative-time";
import { getCurrentUser } from "@/lib/auth/current-user";
import { formatUsd } from "@/lib/contract/usage";
import { firstPageUnlessValid } from "@/lib/db/keyset";
import { getPolicy } from "@/lib/policies/policies";
import { listTeamShares } from "@/lib/shares/shares";
import { may } from "@/lib/contract/roles";
import { teamForPage } from "@/lib/teams/membership";
import { getBudget } from "@/lib/usage/budgets";
import { listDeliveries, listWebhooks, MAX_WEBHOOKS_PER_TEAM } from "@/lib/webhooks/webhooks";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ teamId: string }>; searchParams: Promise<{ shares?: string; repositories?: string }> };

export async function generateMetadata({ params }: Props) {
  const user = await getCurrentUser();
  if (!user) return { title: "Settings" };
  const { team } = await teamForPage((await params).teamId, user.id);
  return { title: `Settings · ${team.name}` };
}

// A team's controls (admin+): model credentials, repositories, MCP servers and skills, budget, approval policy, webhooks, and the share links that work.
export default async function TeamSettingsPage({ params, searchParams }: Props) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { teamId } = await params;
  const { shares: sharesCursor, repositories: repositoriesCursor } = await searchParams;
  // Each paged list keeps the other's place in the address.
  const cursors = { shares: sharesCursor, repositories: repositoriesCursor };
  const { team, role } = await teamForPage(teamId, user.id);
  if (!may(role, "configureTeam")) notFound();
  const [budget, policy, webhooks, shares] = await Promise.all([
    getBudget({ teamId }),
    getPolicy({ teamId }),
    // A team has at most MAX_WEBHOOKS_PER_TEAM webhooks: one page holds them all.
    listWebhooks({ teamId, limit: MAX_WEBHOOKS_PER_TEAM }),
    // Paged like the API: the older working links are one "Older share links" away.
    firstPageUnlessValid(sharesCursor, (cursor) => listTeamShares({ teamId, cursor, limit: 50 })),
  ]);
  const deliveries = await Promise.all(webhooks.items.map((webhook) => listDeliveries({ teamId, webhookId: webhook.id, limit: 5 })));
  return (
    <div className="page">
      <PageHeader
        crumb={<TeamCrumb team={team} />}
        title={`Settings of ${team.name}`}
        titleTestId="settings-title"
        subtitle="Model credentials, repositories, MCP servers and skills, budgets, the approval policy, webhooks and share links of the team."
        actions={
          <div className="actions">
            <Link className="button" href={`/teams/${team.id}/usage`}>
              Usage
            </Link>
          </div>
        }
      />
      {budget.alert && (
        <p className={`banner inline ${budget.alert.level === "reached" ? "error" : ""} budget-banner`} role="status" data-testid="budget-banner">
          {budget.alert.message}
        </p>
      )}
      <CredentialsSection team={team} />
      <RepositoriesSection
        team={team}
        cursor={repositoriesCursor}
        links={(page) => pageLinks({ path: `/teams/${team.id}/settings`, cursors, list: "repositories", page, hash: "#repositories" })}
      />
      <AgentToolsSection team={team} />
      <div className="manage-grid">
        <div>
          <ManageSection title="Approval policy" testId="policy-section">
            <p className="muted small">
              The first rule that matches a permission request answers it at once (allow or deny), recorded as answered by the policy; a request no rule names
              waits for a person. Patterns are globs on the tool&apos;s title or path, e.g. <code>**/.env</code>.
            </p>
            <PolicyEditor teamId={team.id} rules={policy.rules} />
          </ManageSection>
          <ManageSection title="Webhooks" testId="webhooks-section">
            {webhooks.items.length === 0 ? (
              <p className="muted small">No webhooks yet.</p>
            ) : (
              <ManageTable testId="webhook-list" columns={["Webhook", "Recent deliveries", null]}>
                {webhooks.items.map((webhook, index) => (
                  <tr key={webhook.id} data-testid="webhook-row">
                    <td>
                      <code className="small">{webhook.url}</code>
                      <div className="muted small">
                        {webhook.events.join(", ")} · {webhook.format}
                      </div>
                    </td>
                    <td className="small">
                      {deliveries[index]!.items.length === 0 ? (
                        <span className="muted">none yet</span>
                      ) : (
                        <ul className="manage-list delivery-list">
                          {deliveries[index]!.items.map((delivery) => (
                            <li key={delivery.id} data-testid="delivery-row" data-status={delivery.status}>
                              <span className={`manage-tag ${delivery.status === "failed" ? "manage-tag-bad" : ""}`}>{delivery.status}</span>{" "}
                              <code>{delivery.event}</code> · {delivery.lastStatus ? `HTTP ${delivery.lastStatus}` : (delivery.lastError ?? "waiting")} ·{" "}
                              {delivery.attempts} {delivery.attempts === 1 ? "attempt" : "attempts"} · <RelativeTime iso={delivery.createdAt} />
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>
                      <div className="manage-actions-cell">
                        <WebhookTestButton teamId={team.id} webhookId={webhook.id} />
                        <ApiButton
                          method="DELETE"
                          url={`/api/teams/${team.id}/webhooks/${webhook.id}`}
                          label="Delete"
                          confirm={`Delete the webhook to ${webhook.url}?`}
                          className="button ghost small"
                          testId="webhook-delete"
                        />
                      </div>
                    </td>
                  </tr>
                ))}
              </ManageTable>
            )}
            <WebhookForm teamId={team.id} />
          </ManageSection>
        </div>
        <div>
          <ManageSection title="Budget" card testId="budget-section">
            <p className="muted small">
              Spent this month: <strong data-testid="budget-spent">{formatUsd(budget.month.spentUsd)}</strong>
              {budget.monthlyUsd !== null && ` of ${formatUsd(budget.monthlyUsd)}`}. At 80 % admins are warned; at 100 % model calls are refused until the next
              month.
            </p>
            <BudgetForm teamId={team.id} monthlyUsd={budget.monthlyUsd} memberMonthlyUsd={budget.memberMonthlyUsd} />
            {budget.members.length > 0 && (
              <ul className="manage-list small" data-testid="budget-members">
                {budget.members.map((member) => (
                  <li key={member.userId}>
                    {member.name}: {formatUsd(member.spentUsd)} ({member.level === "reached" ? "budget reached" : "over 80 %"})
                  </li>
                ))}
              </ul>
            )}
          </ManageSection>
          <ManageSection title="Share links" card testId="shares-section" id="shares">
            {shares.items.length === 0 ? (
              <p className="muted small">No working share links. Members make them on a session&apos;s page.</p>
            ) : (
              <ul className="manage-list small" data-testid="team-shares">
                {shares.items.map((share) => (
                  <li key={share.id}>
                    <Link href={`/sessions/${share.sessionId}`}>{share.sessionTitle}</Link> · opened {share.openCount}{" "}
                    {share.openCount === 1 ? "time" : "times"} · until {share.expiresAt.slice(0, 10)}{" "}
                    <ApiButton
                      method="DELETE"
                      url={`/api/sessions/${share.sessionId}/shares/${share.id}`}
                      label="Revoke"
                      className="button ghost small"
                      confirm="Revoke this link? Whoever has it loses access at once."
                    />
                  </li>
                ))}
              </ul>
            )}
            <Pager
              {...pageLinks({ path: `/teams/${team.id}/settings`, cursors, list: "shares", page: shares, hash: "#shares" })}
              firstLabel="Newest share links"
              label="Older share links"
              testId="team-shares-older"
            />
          </ManageSection>
          {may(role, "deleteTeam") && (
            <ManageSection title="Delete the team" card testId="delete-team-section">
              <DeleteTeamForm team={team} />
            </ManageSection>
          )}
        </div>
      </div>
    </div>
  );
}

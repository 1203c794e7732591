import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { InboxList } from "@/components/inbox/inbox-list";
import { PageHeader } from "@/components/ui/page-header";
import { getCurrentUser } from "@/lib/auth/current-user";
import { countPendingPermissions, listPendingPermissions } from "@/lib/sessions/inbox";
import { may } from "@/lib/contract/roles";
import { chosenTeamOf, listTeamsOf } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Inbox" };

const PAGE = 100;

export default async function InboxPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  // The inbox follows the team chosen in the top bar; what waits in the other teams is counted.
  const chosen = await chosenTeamOf(user.id);
  const teamId = chosen ?? undefined;
  const [page, teams, all, here] = await Promise.all([
    listPendingPermissions({ userId: user.id, teamId, limit: PAGE }),
    listTeamsOf(user.id),
    countPendingPermissions({ userId: user.id }),
    teamId ? countPendingPermissions({ userId: user.id, teamId }) : null,
  ]);
  const answerableTeams = teams.filter((team) => may(team.role, "work")).map((team) => team.id);
  const team = teams.find((candidate) => candidate.id === chosen);
  const elsewhere = here === null ? 0 : all - here;
  return (
    <div className="page narrow">
      <PageHeader
        title="Inbox"
        subtitle={`Every permission an agent is waiting for in ${team ? team.name : "your teams"}, the longest-waiting first. Any member of the team can answer.`}
      />
      {elsewhere > 0 && (
        <p className="banner inline info" data-testid="inbox-elsewhere">
          {elsewhere === 1 ? "1 more request waits for you" : `${elsewhere} more requests wait for you`} in your other teams: choose “All teams” in the top bar
          to see {elsewhere === 1 ? "it" : "them"}.
        </p>
      )}
      <InboxList initial={page.items} initialCursor={page.nextCursor} answerableTeams={answerableTeams} teamId={chosen} pageSize={PAGE} />
    </div>
  );
}

import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { InboxList } from "@/components/inbox/inbox-list";
import { PageHeader } from "@/components/ui/page-header";
import { getCurrentUser } from "@/lib/auth/current-user";
import { listPendingPermissions } from "@/lib/sessions/inbox";
import { listTeamsOf, roleAtLeast } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Inbox" };

const PAGE = 100;

export default async function InboxPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const [page, teams] = await Promise.all([listPendingPermissions({ userId: user.id, limit: PAGE }), listTeamsOf(user.id)]);
  const answerableTeams = teams.filter((team) => roleAtLeast(team.role, "member")).map((team) => team.id);
  return (
    <div className="page narrow">
      <PageHeader title="Inbox" subtitle="Every permission an agent is waiting for in your teams, the longest-waiting first. Any member of the team can answer." />
      <InboxList initial={page.items} initialCursor={page.nextCursor} answerableTeams={answerableTeams} pageSize={PAGE} />
    </div>
  );
}

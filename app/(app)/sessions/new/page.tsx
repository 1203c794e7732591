import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { NewSessionForm } from "@/components/new-session-form";
import { PageHeader } from "@/components/ui/page-header";
import { getCurrentUser } from "@/lib/auth/current-user";
import type { AgentJson } from "@/lib/contract/agents";
import { isApiError } from "@/lib/errors";
import { db } from "@/lib/db/client";
import { liveSandboxOfTeams } from "@/lib/sandboxes/sandboxes";
import { listAgents } from "@/lib/sessions/agents";
import { may } from "@/lib/contract/roles";
import { chosenTeamOf, listTeamsOf } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "New session" };

export default async function NewSessionPage({ searchParams }: { searchParams: Promise<{ sandboxId?: string }> }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const [allTeams, chosen] = await Promise.all([listTeamsOf(user.id), chosenTeamOf(user.id)]);
  const teams = allTeams.filter((team) => may(team.role, "work"));
  // The team chosen in the top bar comes first (a viewer there starts in a team where they may).
  const currentTeam = teams.find((team) => team.id === chosen) ?? null;
  // "New session in this sandbox": only a live sandbox of a team where the person may start sessions.
  const { sandboxId } = await searchParams;
  const sandbox = sandboxId ? await liveSandboxOfTeams({ sandboxId, teamIds: teams.map((team) => team.id) }) : null;
  const repositories = await db().teamRepository.findMany({
    where: { teamId: { in: teams.map((team) => team.id) } },
    select: { id: true, teamId: true, name: true, defaultBranch: true },
    orderBy: { name: "asc" },
  });
  // Ready or not for the team the form opens on: the sandbox's, else the chosen one (listTeamsOf puts
  // it first); choosing another team in the form asks for that team's readiness.
  const agentTeam = sandbox ? teams.find((team) => team.id === sandbox.teamId) : (currentTeam ?? teams[0]);
  let agents: AgentJson[] = [];
  let runtimeError: string | null = null;
  try {
    agents = await listAgents({ teamId: agentTeam?.id ?? null });
  } catch (error) {
    runtimeError = isApiError(error) ? error.message : "The agent runtime is unreachable.";
  }
  return (
    <div className="page narrow">
      <PageHeader title="New session" subtitle="Pick an agent. The session runs in its own sandbox and your team can watch it live." />
      {chosen && !currentTeam && teams.length > 0 && (
        <p className="banner inline info" data-testid="new-session-team-note">
          Your role in the current team does not allow starting sessions; pick one of the teams below.
        </p>
      )}
      {runtimeError && <div className="banner inline warning">{runtimeError}</div>}
      {teams.length === 0 ? (
        <div className="empty">
          <p className="empty-title">You cannot start sessions yet</p>
          <p className="muted">Starting a session needs the member role in a team. Ask a team admin to change your role.</p>
        </div>
      ) : (
        <NewSessionForm
          teams={teams.map(({ id, name, role }) => ({ id, name, admin: may(role, "configureTeam") }))}
          defaultTeamId={currentTeam?.id ?? teams[0]?.id ?? ""}
          agents={agents}
          agentsTeamId={agentTeam?.id}
          sandbox={sandbox ?? undefined}
          repositories={repositories}
          // Installs are an instance admin's; a team's keys are its admins' (the form links per team).
          installLink={user.isInstanceAdmin ? "/admin#agents" : null}
        />
      )}
    </div>
  );
}

import { redirect } from "next/navigation";
import { NewSessionForm } from "@/components/new-session-form";
import { getCurrentUser } from "@/lib/auth/current-user";
import { isApiError } from "@/lib/errors";
import { listAgents, type AgentSummary } from "@/lib/sessions/agents";
import { listTeamsOf, roleAtLeast } from "@/lib/teams/access";

export const dynamic = "force-dynamic";

export default async function NewSessionPage() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const teams = (await listTeamsOf(user.id)).filter((team) => roleAtLeast(team.role, "member"));
  let agents: AgentSummary[] = [];
  let runtimeError: string | null = null;
  try {
    agents = await listAgents();
  } catch (error) {
    runtimeError = isApiError(error) ? error.message : "The agent runtime is unreachable.";
  }
  return (
    <div className="page narrow">
      <h1>New session</h1>
      {runtimeError && <div className="banner warning">{runtimeError}</div>}
      {teams.length === 0 ? (
        <p className="muted">You need the member role in a team to start sessions.</p>
      ) : (
        <NewSessionForm teams={teams.map(({ id, name }) => ({ id, name }))} agents={agents} />
      )}
    </div>
  );
}

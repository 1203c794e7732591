import { notFound, redirect } from "next/navigation";
import { SessionView } from "@/components/session/session-view";
import type { SessionDetail } from "@/components/session/session-controls";
import { agentDisplayName } from "@/lib/runtime/agents";
import { getCurrentUser } from "@/lib/auth/current-user";
import { getSessionForUser, pendingPermissions } from "@/lib/sessions/queries";
import { sessionJson } from "@/lib/sessions/serialize";
import { roleAtLeast } from "@/lib/teams/access";

export const dynamic = "force-dynamic";

export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { id } = await params;
  const found = await getSessionForUser({ sessionId: id, userId: user.id });
  if (!found) notFound();
  const initial = sessionJson(found.session, await pendingPermissions(id), { detail: true }) as unknown as SessionDetail;
  return <SessionView initial={initial} canWrite={roleAtLeast(found.role, "member")} agentName={agentDisplayName(found.session.agent)} />;
}

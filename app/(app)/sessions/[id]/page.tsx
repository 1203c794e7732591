import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { SessionView } from "@/components/session/session-view";
import { agentDisplayName } from "@/lib/runtime/agents";
import { getCurrentUser } from "@/lib/auth/current-user";
import { db } from "@/lib/db/client";
import { getSessionForUser, pendingPermissions } from "@/lib/sessions/queries";
import { sessionDetailJson } from "@/lib/sessions/serialize";
import { roleAtLeast } from "@/lib/teams/access";

export const dynamic = "force-dynamic";

// The page and its title read the session once per request.
const loadSession = cache(async (id: string) => {
  const user = await getCurrentUser();
  if (!user) return { user: null, found: null };
  return { user, found: await getSessionForUser({ sessionId: id, userId: user.id }) };
});

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { found } = await loadSession((await params).id);
  return { title: found?.session.title ?? "Session not found" };
}

export default async function SessionPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ view?: string }> }) {
  const { id } = await params;
  // ?view=all: the whole history in the page at once (for the browser's find and print).
  const wholeHistory = (await searchParams).view === "all";
  const { user, found } = await loadSession(id);
  if (!user) redirect("/login");
  if (!found) notFound();
  const [pending, members] = await Promise.all([
    pendingPermissions(id),
    db().membership.findMany({ where: { teamId: found.session.teamId }, select: { user: { select: { id: true, name: true, email: true } } } }),
  ]);
  const initial = sessionDetailJson(found.session, pending);
  // Names for "by whom" in the transcript (answers, setting changes); the viewer is "you".
  const people = Object.fromEntries(members.map(({ user: member }) => [member.id, member.id === user.id ? "you" : member.name || member.email]));
  return <SessionView initial={initial} canWrite={roleAtLeast(found.role, "member")} agentName={agentDisplayName(found.session.agent)} people={people} wholeHistory={wholeHistory} />;
}

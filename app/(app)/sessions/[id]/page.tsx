import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { SessionView } from "@/components/session/session-view";
import { getCurrentUser } from "@/lib/auth/current-user";
import { agentDisplayName } from "@/lib/runtime/agents";
import { readSessionDetail } from "@/lib/sessions/detail";
import { sessionForPage, teamPeople } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";

// The page and its title read the user and the session once per request (both are React cache()d).
async function loadSession(id: string) {
  const user = await getCurrentUser();
  return { user, found: user ? await sessionForPage(id, user.id) : null };
}

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
  const [initial, members] = await Promise.all([readSessionDetail(found.session), teamPeople(found.session.teamId)]);
  // Names for "by whom" in the transcript (answers, setting changes); the viewer is "you".
  const people = Object.fromEntries(members.map((member) => [member.id, member.id === user.id ? "you" : member.name || member.email]));
  return (
    <SessionView
      initial={initial}
      role={found.role}
      ownSession={found.session.createdById === user.id}
      agentName={agentDisplayName(found.session.agent)}
      people={people}
      wholeHistory={wholeHistory}
    />
  );
}

import "server-only";
import { notFound } from "next/navigation";
import { db } from "@/lib/db/client";

// For pages: the team and the caller's role in it, or Next's 404 page when the caller is not in it
// (other teams are invisible) or the id is not one.

export async function teamForPage({ teamId, userId }: { teamId: string; userId: string }) {
  if (teamId.length > 100) notFound();
  const membership = await db().membership.findUnique({ where: { teamId_userId: { teamId, userId } }, include: { team: { select: { id: true, name: true } } } });
  if (!membership) notFound();
  return { team: membership.team, role: membership.role };
}

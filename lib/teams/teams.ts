import "server-only";
import { db } from "@/lib/db/client";

// A new team starts with its creator as the only member, the owner.

export async function createTeam({ userId, name }: { userId: string; name: string }) {
  const team = await db().$transaction(async (tx) => {
    const created = await tx.team.create({ data: { name } });
    await tx.membership.create({ data: { teamId: created.id, userId, role: "owner" } });
    return created;
  });
  return { id: team.id, name: team.name, role: "owner" as const };
}

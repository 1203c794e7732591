import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import { env } from "@/lib/env";
import { ApiError } from "@/lib/errors";

// A cap on the turns one team runs at once (PORTAL_MAX_RUNNING_TURNS_PER_TEAM), checked inside the
// transaction that claims a turn, under a per-team advisory lock so two prompts cannot both take the last one.

export async function assertTurnCapacity(tx: Prisma.TransactionClient, teamId: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`turns:${teamId}`}))`;
  const [row] = await tx.$queryRaw<Array<{ running: number }>>`SELECT count(*)::int AS running FROM sessions WHERE team_id = ${teamId} AND status = 'running'`;
  const cap = env().PORTAL_MAX_RUNNING_TURNS_PER_TEAM;
  if ((row?.running ?? 0) >= cap) throw new ApiError(429, `The team already runs ${cap} turns at once; wait for one to end.`, { retryAfterSeconds: 5 });
}

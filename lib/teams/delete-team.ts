import "server-only";
import { recordAudit } from "@/lib/audit";
import { destroySandbox, destroySession } from "@/lib/cluster/commands";
import { db } from "@/lib/db/client";
import { conflict, notFound, unprocessable } from "@/lib/errors";
import { notifyMembershipChanged } from "@/lib/events/live-hub";
import { errorField, logger } from "@/lib/log";
import { removeSandboxFiles } from "@/lib/sandboxes/sandboxes";

const log = logger("teams");

// An owner deletes a team with everything of it. What runs is ended first, through the instance
// that owns it (a session's agent, a sandbox's jail), so nothing keeps running for a team that no
// longer exists; then one transaction removes the team (every session, event, setting, membership and
// audit entry goes with it, by the schema's cascades) and records who deleted it in the instance's
// audit; then the sandboxes' files are removed at once rather than after the retention period, since
// no row is left to remove them by. Members' open streams end on every instance.

/** Rounds of ending what runs before giving up on members who keep starting sessions meanwhile. */
const ROUNDS = 3;

export async function deleteTeam({ teamId, actorId, confirmName }: { teamId: string; actorId: string; confirmName: string }) {
  const named = await db().team.findUnique({ where: { id: teamId }, select: { name: true } });
  if (!named) throw notFound("Team");
  // The name, typed by the owner (Settings) or sent by a script, says this team is meant.
  if (confirmName.trim() !== named.name)
    throw unprocessable("Send the team's name to confirm its deletion.", [{ path: "name", message: "must be the team's name" }]);
  for (let round = 0; round < ROUNDS && (await endWhatRuns(teamId, actorId)); round += 1);
  const { name, sandboxes } = await db().$transaction(async (tx) => {
    const [team] = await tx.$queryRaw<Array<{ name: string }>>`SELECT name FROM teams WHERE id = ${teamId} FOR UPDATE`;
    if (!team) throw notFound("Team");
    const live = await tx.sandbox.count({ where: { teamId, status: { not: "destroyed" } } });
    const running = await tx.session.count({ where: { teamId, status: { not: "destroyed" } } });
    if (live + running > 0)
      throw conflict("team_in_use", "Members of the team kept starting sessions while it was being deleted; nothing was deleted. Try again.");
    const sandboxes = await tx.sandbox.findMany({ where: { teamId }, select: { id: true, seq: true, hostDir: true } });
    const members = await tx.membership.findMany({ where: { teamId }, select: { userId: true } });
    for (const { userId } of members) await notifyMembershipChanged(tx, { teamId, userId });
    await tx.team.delete({ where: { id: teamId } });
    await recordAudit(tx, {
      teamId: null,
      actorId,
      action: "team.delete",
      targetType: "team",
      targetId: teamId,
      detail: { name: team.name, members: members.length },
    });
    return { name: team.name, sandboxes };
  });
  for (const sandbox of sandboxes)
    await removeSandboxFiles(sandbox).catch((error: unknown) =>
      log.error({ teamId, sandboxId: sandbox.id, err: errorField(error) }, "removing a deleted team's sandbox failed"),
    );
  log.info({ teamId, actorId, sandboxes: sandboxes.length }, `team "${name}" deleted`);
}

/** Ends the team's live sessions and sandboxes; true when there were any. */
async function endWhatRuns(teamId: string, actorId: string): Promise<boolean> {
  const sessions = await db().session.findMany({ where: { teamId, status: { not: "destroyed" } } });
  for (const session of sessions) await destroySession({ session, userId: actorId });
  const sandboxes = await db().sandbox.findMany({ where: { teamId, status: { not: "destroyed" } } });
  for (const sandbox of sandboxes) await destroySandbox(sandbox);
  return sessions.length + sandboxes.length > 0;
}

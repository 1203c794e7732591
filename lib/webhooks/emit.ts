import "server-only";
import { Prisma } from "@/generated/prisma/client";
import type { WebhookEvent } from "@/lib/contract/webhooks";
import { db } from "@/lib/db/client";
import { kickWebhookWorker } from "@/lib/webhooks/worker";
import { errorField, logger } from "@/lib/log";

const log = logger("webhooks");

// An event for a team's webhooks: one queued delivery per webhook that chose it, written in one
// statement (so it survives this process), then this instance's worker is woken. Emitting never
// fails its caller: a lost webhook must not fail a turn.

export async function emitSessionWebhook({ sessionId, event, data }: { sessionId: string; event: WebhookEvent; data: Record<string, unknown> }) {
  await enqueue(
    event,
    data,
    Prisma.sql`JOIN sessions s ON s.team_id = w.team_id AND s.id = ${sessionId}`,
    Prisma.sql`jsonb_build_object('id', s.id, 'title', s.title, 'agent', s.agent)`,
  );
}

export async function emitTeamWebhook({ teamId, event, data }: { teamId: string; event: WebhookEvent; data: Record<string, unknown> }) {
  await enqueue(event, data, Prisma.sql`JOIN (SELECT ${teamId}::text AS team_id) only_team ON only_team.team_id = w.team_id`, Prisma.sql`NULL::jsonb`);
}

async function enqueue(event: WebhookEvent, data: Record<string, unknown>, scope: Prisma.Sql, session: Prisma.Sql) {
  try {
    const queued = await db().$executeRaw`
      INSERT INTO webhook_deliveries (id, webhook_id, team_id, event, payload)
      SELECT gen_random_uuid()::text, w.id, w.team_id, ${event},
             jsonb_strip_nulls(jsonb_build_object('event', ${event}::text, 'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'team', jsonb_build_object('id', t.id, 'name', t.name), 'session', ${session}, 'data', ${JSON.stringify(data)}::jsonb))
      FROM webhooks w JOIN teams t ON t.id = w.team_id ${scope}
      WHERE w.events ? ${event}`;
    if (queued > 0) kickWebhookWorker();
  } catch (error) {
    log.error({ event, err: errorField(error) }, "could not queue a webhook event");
  }
}

import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import type { Webhook, WebhookDelivery } from "@/generated/prisma/client";
import { recordAudit } from "@/lib/audit";
import { WEBHOOK_TEST_EVENT, type WebhookDeliveryJson, type WebhookEvent, type WebhookFormat, type WebhookJson } from "@/lib/contract/webhooks";
import { db } from "@/lib/db/client";
import { newestFirst } from "@/lib/db/keyset";
import { notFound, unprocessable } from "@/lib/errors";
import { webhookSecret } from "@/lib/webhooks/signing";
import { checkTarget } from "@/lib/webhooks/targets";
import { deliverNow } from "@/lib/webhooks/worker";

// A team's webhooks (admin+): created with their secret shown once, listed, deleted, their delivery
// log read, and a test delivery sent at once.

/** So the settings page shows every webhook of a team on one page. */
export const MAX_WEBHOOKS_PER_TEAM = 20;

const webhookJson = (row: Webhook): WebhookJson => ({
  id: row.id,
  teamId: row.teamId,
  url: row.url,
  events: row.events as WebhookEvent[],
  format: row.format as WebhookFormat,
  createdAt: row.createdAt.toISOString(),
});

export const deliveryJson = (row: WebhookDelivery): WebhookDeliveryJson => ({
  id: row.id,
  webhookId: row.webhookId,
  event: row.event,
  status: row.status as WebhookDeliveryJson["status"],
  attempts: row.attempts,
  lastStatus: row.lastStatus,
  lastError: row.lastError,
  nextAttemptAt: row.status === "pending" ? row.nextAttemptAt.toISOString() : null,
  createdAt: row.createdAt.toISOString(),
  finishedAt: row.finishedAt?.toISOString() ?? null,
  log: row.attemptLog as WebhookDeliveryJson["log"],
});

/** The team's webhooks, newest first. */
export async function listWebhooks({ teamId, cursor, limit }: { teamId: string; cursor?: string; limit: number }) {
  const keys = newestFirst("createdAt", { cursor, limit });
  const rows = await db().webhook.findMany({ where: { teamId, ...keys.where }, orderBy: keys.orderBy, take: keys.take });
  return keys.page(rows, webhookJson);
}

export async function createWebhook({
  teamId,
  actorId,
  url,
  events,
  format,
}: {
  teamId: string;
  actorId: string;
  url: string;
  events: WebhookEvent[];
  format: WebhookFormat;
}) {
  const refused = await checkTarget(url);
  if (refused) throw unprocessable(`Webhooks cannot be sent to this URL: ${refused}.`, [{ path: "url", message: refused }]);
  const row = await db().$transaction(async (tx) => {
    if ((await tx.webhook.count({ where: { teamId } })) >= MAX_WEBHOOKS_PER_TEAM) {
      throw unprocessable(`A team has at most ${MAX_WEBHOOKS_PER_TEAM} webhooks.`, [{ path: "url", message: "too many webhooks in this team" }]);
    }
    const created = await tx.webhook.create({
      data: { id: randomUUID(), teamId, url, events: [...new Set(events)], format, secretSalt: randomBytes(16).toString("base64url"), createdBy: actorId },
    });
    await recordAudit(tx, { teamId, actorId, action: "webhook.create", targetType: "webhook", targetId: created.id, detail: { url, events, format } });
    return created;
  });
  return { ...webhookJson(row), secret: webhookSecret(row) };
}

export async function deleteWebhook({ teamId, actorId, webhookId }: { teamId: string; actorId: string; webhookId: string }) {
  await db().$transaction(async (tx) => {
    const { count } = await tx.webhook.deleteMany({ where: { id: webhookId, teamId } });
    if (count === 0) throw notFound("Webhook");
    await recordAudit(tx, { teamId, actorId, action: "webhook.delete", targetType: "webhook", targetId: webhookId });
  });
}

export async function listDeliveries({ teamId, webhookId, cursor, limit }: { teamId: string; webhookId: string; cursor?: string; limit: number }) {
  await webhookOfTeam(teamId, webhookId);
  const keys = newestFirst("createdAt", { cursor, limit });
  const rows = await db().webhookDelivery.findMany({ where: { webhookId, ...keys.where }, orderBy: keys.orderBy, take: keys.take });
  return keys.page(rows, deliveryJson);
}

/** "Send test": a delivery of `webhook.test` to this webhook alone, attempted now; its row as it stands after. */
export async function sendTestDelivery({ teamId, webhookId }: { teamId: string; webhookId: string }) {
  const webhook = await webhookOfTeam(teamId, webhookId);
  const team = await db().team.findUniqueOrThrow({ where: { id: teamId }, select: { id: true, name: true } });
  const payload = { event: WEBHOOK_TEST_EVENT, at: new Date().toISOString(), team, data: {} };
  return deliveryJson(await deliverNow({ id: randomUUID(), webhook, teamId, event: WEBHOOK_TEST_EVENT, payload }));
}

async function webhookOfTeam(teamId: string, webhookId: string) {
  const webhook = await db().webhook.findFirst({ where: { id: webhookId, teamId } });
  if (!webhook) throw notFound("Webhook");
  return webhook;
}

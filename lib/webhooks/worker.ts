import "server-only";
import { Agent, fetch as undiciFetch } from "undici";
import type { Prisma, WebhookDelivery } from "@/generated/prisma/client";
import type { WebhookTargets } from "@/lib/contract/webhooks";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { instanceId } from "@/lib/cluster/identity";
import { signatureHeader, webhookSecret } from "@/lib/webhooks/signing";
import { guardedLookup, RefusedTarget, webhookTargetsSetting } from "@/lib/webhooks/targets";
import { slackText } from "@/lib/webhooks/slack";
import { errorField, logger } from "@/lib/log";

const log = logger("webhooks");

// Delivers the queued webhook deliveries, on every instance. A delivery is claimed in one statement
// (FOR UPDATE SKIP LOCKED, then a lease in claimed_until), so each attempt is made by exactly one
// instance; an instance that dies mid-attempt leaves a lease that runs out, and another instance
// (or this one restarted) tries again. Failures are retried with exponential backoff for 24 hours.
// Receivers should treat X-Portal-Delivery as an idempotency key: an instance killed between the
// receiver's 2xx and recording it cannot know that it was delivered.

const LEASE_SECONDS = 60;
const REQUEST_TIMEOUT_MS = 10_000;
const RETRY_FOR_MS = 24 * 3600 * 1000;
const MAX_DELAY_MS = 3600 * 1000;
const BATCH = 10;
const POLL_MS = 1_000;
const MAX_RESPONSE_LOG = 200;

type Claimed = WebhookDelivery & { url: string; format: string; secretSalt: string };

const state = globalThis as unknown as {
  portalWebhookWorker?: { timer: NodeJS.Timeout; running: boolean; again: boolean; dispatchers: Map<WebhookTargets, Agent> };
};

/** Started once at boot: polls for due deliveries (retries, other instances' queue) every second. */
export function startWebhookWorker() {
  if (state.portalWebhookWorker) return;
  const timer = setInterval(() => kickWebhookWorker(), POLL_MS);
  timer.unref();
  state.portalWebhookWorker = { timer, running: false, again: false, dispatchers: new Map() };
}

/** Runs the worker now (a delivery was just queued here); a run in progress goes round once more. */
export function kickWebhookWorker() {
  const worker = state.portalWebhookWorker;
  if (!worker) return;
  if (worker.running) {
    worker.again = true;
    return;
  }
  worker.running = true;
  void (async () => {
    try {
      do {
        worker.again = false;
        while ((await deliverDue()) === BATCH);
      } while (worker.again);
    } catch (error) {
      log.error({ err: errorField(error) }, "a webhook delivery run failed");
    } finally {
      worker.running = false;
    }
  })();
}

/** Claims up to a batch of due deliveries and makes one attempt at each; returns how many it claimed. */
async function deliverDue() {
  const claimed = await claim();
  await Promise.all(claimed.map((delivery) => attempt(delivery)));
  return claimed.length;
}

async function claim(): Promise<Claimed[]> {
  return db().$queryRawUnsafe<Claimed[]>(
    `UPDATE webhook_deliveries d
        SET claimed_by = $1, claimed_until = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = d.attempts + 1
       FROM (SELECT id FROM webhook_deliveries
              WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
              ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) due, webhooks w
      WHERE d.id = due.id AND w.id = d.webhook_id
      RETURNING d.id, d.webhook_id AS "webhookId", d.team_id AS "teamId", d.event, d.payload, d.status, d.attempts,
                d.created_at AS "createdAt", w.url, w.format, w.secret_salt AS "secretSalt"`,
    instanceId(),
    BATCH,
  );
}

/**
 * The test delivery: queued already claimed by this instance (so no poller takes it first), attempted
 * at once, and its row returned; a failure is retried like any other delivery.
 */
export async function deliverNow({
  id,
  webhook,
  teamId,
  event,
  payload,
}: {
  id: string;
  webhook: { id: string; url: string; format: string; secretSalt: string };
  teamId: string;
  event: string;
  payload: Prisma.InputJsonValue;
}) {
  const row = await db().webhookDelivery.create({
    data: {
      id,
      webhookId: webhook.id,
      teamId,
      event,
      payload,
      attempts: 1,
      claimedBy: instanceId(),
      claimedUntil: new Date(Date.now() + LEASE_SECONDS * 1000),
    },
  });
  await attempt({ ...row, url: webhook.url, format: webhook.format, secretSalt: webhook.secretSalt });
  return db().webhookDelivery.findUniqueOrThrow({ where: { id } });
}

async function attempt(delivery: Claimed) {
  const started = Date.now();
  const body = JSON.stringify(
    delivery.format === "slack" ? { text: slackText(delivery.payload as Record<string, unknown>) } : { id: delivery.id, ...(delivery.payload as object) },
  );
  const timestamp = Math.floor(started / 1000);
  let status: number | null = null;
  let error: string | undefined;
  let responseText = "";
  try {
    const response = await undiciFetch(delivery.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "AgentPortal-Webhook/1",
        "x-portal-event": delivery.event,
        "x-portal-delivery": delivery.id,
        "x-portal-timestamp": String(timestamp),
        "x-portal-signature": signatureHeader(webhookSecret({ id: delivery.webhookId, secretSalt: delivery.secretSalt }), timestamp, body),
      },
      body,
      dispatcher: await dispatcherFor(await webhookTargetsSetting()),
    });
    status = response.status;
    responseText = (await response.text().catch(() => "")).slice(0, MAX_RESPONSE_LOG);
  } catch (cause) {
    error = describeFailure(cause);
  }
  const ok = status !== null && status >= 200 && status < 300;
  const entry = {
    at: new Date(started).toISOString(),
    status,
    durationMs: Date.now() - started,
    instance: instanceId(),
    ...(error ? { error } : {}),
    ...(responseText && !ok ? { response: responseText } : {}),
  };
  const delay = Math.min(env().PORTAL_WEBHOOK_RETRY_BASE_MS * 2 ** (delivery.attempts - 1), MAX_DELAY_MS);
  const giveUp = !ok && Date.now() + delay - delivery.createdAt.getTime() > RETRY_FOR_MS;
  const next = ok ? "delivered" : giveUp ? "failed" : "pending";
  // Only the holder of the claim records its outcome (a lease that ran out was taken over).
  await db().$executeRaw`
    UPDATE webhook_deliveries SET
      status = ${next}, last_status = ${status}, last_error = ${error ?? null},
      attempt_log = attempt_log || ${JSON.stringify([entry])}::jsonb,
      next_attempt_at = CASE WHEN ${next} = 'pending' THEN now() + make_interval(secs => ${delay / 1000}) ELSE next_attempt_at END,
      finished_at = CASE WHEN ${next} = 'pending' THEN NULL ELSE now() END,
      claimed_by = NULL, claimed_until = NULL
    WHERE id = ${delivery.id} AND claimed_by = ${instanceId()}`;
}

function describeFailure(cause: unknown): string {
  const inner = (cause as { cause?: unknown })?.cause;
  if (inner instanceof RefusedTarget || cause instanceof RefusedTarget) return (inner instanceof RefusedTarget ? inner : (cause as RefusedTarget)).message;
  if ((cause as { name?: string })?.name === "TimeoutError") return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const code = (inner as { code?: unknown })?.code;
  return typeof code === "string" ? `connection failed (${code})` : "connection failed";
}

async function dispatcherFor(targets: WebhookTargets) {
  const worker = state.portalWebhookWorker;
  const cached = worker?.dispatchers.get(targets);
  if (cached) return cached;
  const agent = new Agent({ connect: { lookup: guardedLookup(targets) }, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  worker?.dispatchers.set(targets, agent);
  return agent;
}

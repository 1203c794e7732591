// Webhooks (GET|POST /api/teams/:teamId/webhooks): the events a team can hear of, the body formats,
// and the JSON of a webhook and of one delivery. Shared by the routes and the settings page.

export const WEBHOOK_EVENTS = ["permission.waiting", "turn.ended", "session.failed", "budget.warning", "budget.reached"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** `json`: the portal's own body; `slack`: `{text}` as Slack's incoming webhooks take it. */
export const WEBHOOK_FORMATS = ["json", "slack"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** The test delivery ("send test"), sent to one webhook whatever events it chose. */
export const WEBHOOK_TEST_EVENT = "webhook.test";

export interface WebhookJson {
  id: string;
  teamId: string;
  url: string;
  events: WebhookEvent[];
  format: WebhookFormat;
  createdAt: string;
  /** Only in the answer to its creation. */
  secret?: string;
}

export interface WebhookDeliveryJson {
  id: string;
  webhookId: string;
  event: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  finishedAt: string | null;
  log: Array<{ at: string; status: number | null; error?: string; durationMs: number }>;
}

/** Who may be sent to: `public` addresses only (the default), or loopback too, or every private range too. */
export const WEBHOOK_TARGETS = ["public", "loopback", "private"] as const;
export type WebhookTargets = (typeof WEBHOOK_TARGETS)[number];

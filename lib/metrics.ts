import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { liveHub } from "@/lib/events/live-hub";
import { eventWriter } from "@/lib/events/writer";

// The portal's Prometheus metrics (GET /api/metrics): what an operator alerts on — requests and their
// latency by route template (never a path with an id or a token in it), sandboxes by status, runtimes
// lost, the event writer's backlog and batch latency, live viewers, model gateway calls and tokens.
// One registry per process, on globalThis so route bundles share it.

const SANDBOX_STATUSES = ["starting", "running", "stopped", "lost", "destroyed"] as const;

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "portal_process_" });
  const metrics = {
    registry,
    requests: new Counter({
      name: "portal_http_requests_total",
      help: "API requests answered, by route template, method and status.",
      labelNames: ["route", "method", "status"] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: "portal_http_request_duration_seconds",
      help: "Time to answer an API request (to the response head; a stream's life is not counted).",
      labelNames: ["route", "method"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    runtimeLosses: new Counter({
      name: "portal_runtime_losses_total",
      help: "Runtimes (a sandbox's or the shared one) that died or stopped answering, not stopped by the portal; their sessions became restorable.",
      registers: [registry],
    }),
    limitHits: new Counter({
      name: "portal_sandbox_limit_hits_total",
      help: "Sandbox runtimes ended by one of their limits, by limit (memory, pids, disk, tmp).",
      labelNames: ["limit"] as const,
      registers: [registry],
    }),
    streamGapMessages: new Counter({
      name: "portal_runtime_stream_lost_messages_total",
      help: "ACP messages the runtime dropped that its replay buffer could not give back (recorded as gap events).",
      registers: [registry],
    }),
    writerBatchSeconds: new Histogram({
      name: "portal_event_writer_batch_seconds",
      help: "Time one batch of the event writer took to commit.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    writerBatchEvents: new Histogram({
      name: "portal_event_writer_batch_events",
      help: "Events in one committed batch.",
      buckets: [1, 10, 100, 500, 1000, 2000],
      registers: [registry],
    }),
    gatewayCalls: new Counter({
      name: "portal_gateway_calls_total",
      help: "Model gateway calls, by provider, model family (other when not listed) and status: the upstream's HTTP status, or error, budget (refused past a budget), no_key (no key for the team).",
      labelNames: ["provider", "model", "status"] as const,
      registers: [registry],
    }),
    gatewayTokens: new Counter({
      name: "portal_gateway_tokens_total",
      help: "Model tokens through the gateway, by provider, model family and kind (input, output, cache_read, cache_write).",
      labelNames: ["provider", "model", "direction"] as const,
      registers: [registry],
    }),
    gatewayCost: new Counter({
      name: "portal_gateway_cost_usd_total",
      help: "List-price cost of the gateway's model calls (models with a known price), by provider.",
      labelNames: ["provider"] as const,
      registers: [registry],
    }),
  };
  new Gauge({
    name: "portal_event_writer_backlog",
    help: "Events queued in this process and not yet committed.",
    registers: [registry],
    collect() {
      this.set(eventWriter().backlog);
    },
  });
  new Gauge({
    name: "portal_sandboxes_running_here",
    help: "Sandbox runtimes this instance runs now (PORTAL_SANDBOX_MAX_RUNNING caps them).",
    registers: [registry],
    collect() {
      this.set(holder.portalPoolOccupancy?.().running ?? 0);
    },
  });
  new Gauge({
    name: "portal_sandbox_queue",
    help: "Sandbox starts on this instance waiting in line for a slot (each session shows its place).",
    registers: [registry],
    collect() {
      this.set(holder.portalPoolOccupancy?.().waiting ?? 0);
    },
  });
  new Gauge({
    name: "portal_live_viewers",
    help: "Open live event streams (transcript viewers) served by this process.",
    registers: [registry],
    collect() {
      this.set(liveHub().subscriberCount());
    },
  });
  new Gauge({
    name: "portal_sandboxes",
    help: "Sandboxes of every team on this database, by status.",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const rows = await db().sandbox.groupBy({ by: ["status"], _count: { _all: true } });
      for (const status of SANDBOX_STATUSES) this.set({ status }, rows.find((row) => row.status === status)?._count._all ?? 0);
    },
  });
  return metrics;
}

type Metrics = ReturnType<typeof createMetrics>;
const holder = globalThis as unknown as { portalMetrics?: Metrics; portalPoolOccupancy?: () => { running: number; waiting: number } };
const metrics = (): Metrics => (holder.portalMetrics ??= createMetrics());

/** Called once at boot: the event writer reports each batch; the sandbox pool says how full it is. */
export function installMetrics({ occupancy }: { occupancy: () => { running: number; waiting: number } }) {
  holder.portalPoolOccupancy = occupancy;
  eventWriter().onBatch = (size, seconds) => {
    metrics().writerBatchSeconds.observe(seconds);
    metrics().writerBatchEvents.observe(size);
  };
}

/** One API request answered; `route` is its template (`/api/sessions/:id`), never the raw path. */
export function recordRequest({ route, method, status, seconds }: { route: string; method: string; status: number; seconds: number }) {
  metrics().requests.inc({ route, method, status: String(status) });
  metrics().latency.observe({ route, method }, seconds);
}

export function recordRuntimeLoss() {
  metrics().runtimeLosses.inc();
}

export function recordLimitHit(limit: string) {
  metrics().limitHits.inc({ limit });
}

export function recordStreamGap(missing: number) {
  metrics().streamGapMessages.inc(missing);
}

/**
 * For the model gateway (lib/gateway/gateway.ts): one call, with the tokens it used. `model` is a
 * listed family or "other"/"unknown", never the agent's string as given (each would be a new series).
 */
export function recordGatewayCall(call: {
  provider: string;
  model: string;
  status: string | number;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  costUsd?: number | null;
}) {
  const { provider, model } = call;
  metrics().gatewayCalls.inc({ provider, model, status: String(call.status) });
  const tokens = { input: call.inputTokens, output: call.outputTokens, cache_read: call.cacheReadTokens, cache_write: call.cacheWriteTokens };
  for (const [direction, count] of Object.entries(tokens)) if (count && count > 0) metrics().gatewayTokens.inc({ provider, model, direction }, count);
  if (call.costUsd) metrics().gatewayCost.inc({ provider }, call.costUsd);
}

export async function metricsText(): Promise<{ text: string; contentType: string }> {
  return { text: await metrics().registry.metrics(), contentType: metrics().registry.contentType };
}

/** The path with each route parameter's value replaced by its name: `/api/sessions/:id/prompt`. */
export function routeTemplate(pathname: string, params: Record<string, string | string[] | undefined>): string {
  const names = new Map<string, string>();
  for (const [name, value] of Object.entries(params)) for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) names.set(one, name);
  return pathname
    .split("/")
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        // not %-encoded text: compared as it is
      }
      const name = names.get(decoded);
      return name ? `:${name}` : segment;
    })
    .join("/");
}

/** A scrape with `Authorization: Bearer <PORTAL_METRICS_TOKEN>`, compared in constant time. */
export function isMetricsToken(authorization: string | null): boolean {
  const configured = env().PORTAL_METRICS_TOKEN;
  if (!configured || !authorization?.startsWith("Bearer ")) return false;
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(authorization.slice(7).trim()), digest(configured));
}

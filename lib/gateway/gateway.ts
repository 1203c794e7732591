import "server-only";
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, request } from "undici";
import type { ModelProvider } from "@/lib/contract/credentials";
import { MODEL_PROVIDER_NAMES } from "@/lib/contract/credentials";
import { db } from "@/lib/db/client";
import { upstreamFor } from "@/lib/gateway/credentials";
import { costOf, modelFamily } from "@/lib/gateway/prices";
import { isObject, parseJson, UsageMeter, type Usage } from "@/lib/gateway/usage-meter";
import { errorField, logger } from "@/lib/log";
import { recordGatewayCall } from "@/lib/metrics";
import { afterModelCall, budgetRefusal, recordBudgetReached } from "@/lib/usage/budgets";

// The model gateway: the only way an agent reaches its model. Each sandbox gets an endpoint of its
// own (a Unix socket bridged into its jail, or a loopback port for `local`) and a random token that
// dies with the endpoint; agents are started with the gateway as their base URL and that token as
// their "API key". A call with the right token goes on to the team's upstream with the team's real
// key (which never enters a sandbox), streamed through as it arrives, and leaves one row in
// model_calls: team, sandbox, session, the person whose prompt started the turn, model, tokens,
// status, duration and cost — and counts in the metrics (GET /api/metrics) by provider and status.

const log = logger("gateway");

/** Whose calls arrive at an endpoint: a sandbox (its team looked up once), or, for `local`, whoever runs a turn. */
export interface GatewayCaller {
  sandboxId: string | null;
  /** The running turns that may have made a call: the session and whose prompt started it. */
  runningTurns(): Array<{ sessionId: string; userId: string | null }>;
  /** For `local`, one runtime serves every team: only the instance's keys are used. */
  teamKeys: boolean;
}

export interface GatewayEndpoint {
  token: string;
  /** Where the endpoint listens: a Unix socket path, or a loopback URL. */
  address: string;
  close(): Promise<void>;
}

// Where the upstream's answer may take as long as a model thinks: no client-side timeout.
const upstreamAgent = new Agent({ headersTimeout: 0, bodyTimeout: 0, connectTimeout: 30_000 });
// A request body past this is refused (a model request with this much context is not one).
const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
  "content-length",
  "authorization",
  "x-api-key",
  "accept-encoding",
]);

export async function openGateway({ caller, socketPath }: { caller: GatewayCaller; socketPath?: string }): Promise<GatewayEndpoint> {
  const token = `portal-${randomBytes(32).toString("base64url")}`;
  const server = http.createServer((req, res) => {
    void serve({ req, res, token, caller }).catch((error: unknown) => {
      log.error({ sandboxId: caller.sandboxId, err: errorField(error) }, "a model call failed in the gateway");
      recordGatewayCall({ provider: req.url?.startsWith("/openai") ? "openai" : "anthropic", model: "unknown", status: "error" });
      if (!res.headersSent) providerError(res, "anthropic", 502, "api_error", "The portal's model gateway could not reach the model.");
      else res.destroy();
    });
  });
  // Agents hold one connection for a long stream; the server must not cut it off.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  if (socketPath) rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (socketPath) server.listen(socketPath, resolve);
    else server.listen(0, "127.0.0.1", resolve);
  });
  const address = socketPath ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (socketPath) chmodSync(socketPath, 0o660);
  return {
    token,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve({ req, res, token, caller }: { req: IncomingMessage; res: ServerResponse; token: string; caller: GatewayCaller }) {
  const started = Date.now();
  const match = /^\/(anthropic|openai)(\/.*)?$/.exec(req.url ?? "");
  if (!match) return providerError(res, "anthropic", 404, "not_found_error", "The gateway serves /anthropic/… and /openai/….");
  const provider = match[1] as ModelProvider;
  const path = match[2] ?? "/";
  if (!tokenMatches(req, token))
    return providerError(res, provider, 401, "authentication_error", "This key is not valid here: agents use the token their sandbox was given.");

  const body = await readBody(req);
  if (body === null)
    return providerError(res, provider, 413, "request_too_large", `A request to the model is limited to ${MAX_REQUEST_BYTES / 1024 / 1024} MiB.`);
  const requested = parseJson(body.toString("utf8"));
  const who = await attribute(caller);
  const refusal = who.teamId ? await budgetRefusal({ teamId: who.teamId, userId: who.userId }) : null;
  if (refusal) {
    // As the provider answers an account past its limit: the agent ends its turn with that sentence.
    if (who.sessionId) void recordBudgetReached({ sessionId: who.sessionId, refusal }).catch(() => undefined);
    recordGatewayCall({ provider, model: "unknown", status: "budget" });
    return provider === "anthropic"
      ? providerError(res, provider, 400, "invalid_request_error", refusal.message)
      : providerError(res, provider, 429, "insufficient_quota", refusal.message);
  }
  const upstream = await upstreamFor({ teamId: caller.teamKeys ? who.teamId : null, provider });
  if (!upstream) {
    recordGatewayCall({ provider, model: "unknown", status: "no_key" });
    return providerError(
      res,
      provider,
      401,
      "authentication_error",
      `No ${MODEL_PROVIDER_NAMES[provider]} key for this team: an admin of the team adds one under Credentials on the team's page.`,
    );
  }

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && typeof value === "string") headers[name] = value;
  if (provider === "anthropic") headers["x-api-key"] = upstream.apiKey;
  else headers.authorization = `Bearer ${upstream.apiKey}`;
  headers["accept-encoding"] = "identity";

  const answer = await request(upstreamUrl(provider, upstream.baseUrl, path), {
    method: (req.method ?? "POST") as "POST",
    headers,
    body: body.length > 0 ? body : undefined,
    dispatcher: upstreamAgent,
  });
  const contentType = String(answer.headers["content-type"] ?? "");
  const meter = new UsageMeter(contentType.includes("text/event-stream"));
  const forwarded: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value;
  res.writeHead(answer.statusCode, forwarded);
  res.flushHeaders();
  for await (const chunk of answer.body as AsyncIterable<Buffer>) {
    // Each chunk goes on at once (SSE deltas must not wait for the next), then is read for usage.
    if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
    meter.push(chunk);
  }
  res.end();
  const usage = meter.end();
  if (usage.model === null && isObject(requested) && typeof requested.model === "string") usage.model = requested.model;
  if (path.includes("count_tokens")) return; // a count, not a model call
  void recordCall({ who, provider, usage, status: answer.statusCode, durationMs: Date.now() - started });
}

/** Anthropic's base URL comes without /v1 (its SDK adds /v1/messages), OpenAI's with it. */
function upstreamUrl(provider: ModelProvider, baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  if (provider === "anthropic") return `${base}${path}`;
  return `${base}${path.replace(/^\/v1(?=\/|$)/, "")}`;
}

function tokenMatches(req: IncomingMessage, token: string): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1];
  const given = Buffer.from(String(req.headers["x-api-key"] ?? bearer ?? ""));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_REQUEST_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An error in the shape the agent's own SDK expects from its provider, so the agent says it plainly. */
function providerError(res: ServerResponse, provider: ModelProvider, status: number, type: string, message: string) {
  const body = provider === "anthropic" ? { type: "error", error: { type, message } } : { error: { type, message, code: type } };
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

interface Attribution {
  teamId: string | null;
  sandboxId: string | null;
  sessionId: string | null;
  userId: string | null;
}

const teamOfSandbox = new Map<string, string>();

/** The team a call is billed to, and the session and person, when exactly one turn can have made it. */
async function attribute(caller: GatewayCaller): Promise<Attribution> {
  let teamId: string | null = null;
  if (caller.sandboxId) {
    teamId = teamOfSandbox.get(caller.sandboxId) ?? null;
    if (!teamId) {
      const row = await db().sandbox.findUnique({ where: { id: caller.sandboxId }, select: { teamId: true } });
      if (row) teamOfSandbox.set(caller.sandboxId, (teamId = row.teamId));
    }
  }
  const turns = caller.runningTurns();
  const turn = turns.length === 1 ? turns[0]! : null;
  if (!teamId && turn) teamId = (await db().session.findUnique({ where: { id: turn.sessionId }, select: { teamId: true } }))?.teamId ?? null;
  return { teamId, sandboxId: caller.sandboxId, sessionId: turn?.sessionId ?? null, userId: turn?.userId ?? null };
}

async function recordCall({
  who,
  provider,
  usage,
  status,
  durationMs,
}: {
  who: Attribution;
  provider: ModelProvider;
  usage: Usage;
  status: number;
  durationMs: number;
}) {
  const cost = costOf(usage);
  // Every call that reached the upstream counts, attributed to a team or not.
  recordGatewayCall({
    provider,
    model: modelFamily(usage.model) ?? "other",
    status,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    costUsd: cost,
  });
  if (!who.teamId) {
    log.warn({ provider }, "a model call could not be attributed to a team (several turns ran at once on a shared runtime); not recorded");
    return;
  }
  await db()
    .modelCall.create({
      data: {
        id: randomUUID(),
        teamId: who.teamId,
        sandboxId: who.sandboxId,
        sessionId: who.sessionId,
        userId: who.userId,
        provider,
        model: usage.model ?? "unknown",
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cacheReadTokens: usage.cacheReadTokens,
        cacheWriteTokens: usage.cacheWriteTokens,
        status,
        durationMs,
        costUsd: cost,
      },
    })
    .then(() => afterModelCall({ teamId: who.teamId!, userId: who.userId }))
    .catch((error: unknown) => log.error({ teamId: who.teamId, sessionId: who.sessionId, err: errorField(error) }, "recording a model call failed"));
}

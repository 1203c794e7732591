import "server-only";
import { ZodError, type z } from "zod";
import type { Session } from "@/generated/prisma/client";
import { requireInstanceAdmin } from "@/lib/accounts/instance";
import { unstorableStrings } from "@/lib/api/input-rule";
import { pathParams } from "@/lib/api/params";
import { internalErrorResponse, problemResponse, zodFieldErrors } from "@/lib/api/problem";
import { enforceApiRateLimit } from "@/lib/api/rate-limit";
import { requestIdOf } from "@/lib/api/request-id";
import { getCurrentUser, userFromBearer, type CurrentUser } from "@/lib/auth/current-user";
import {
  ApiError,
  databaseUnavailable,
  forbidden,
  isApiError,
  isDatabaseUnreachable,
  malformedJson,
  notFound,
  tooLarge,
  unauthorized,
  unprocessable,
} from "@/lib/errors";
import type { Ability } from "@/lib/contract/roles";
import { assertMay, sandboxAccess, sessionAccess, teamAccess, type Role, type SandboxWithSessions, type TeamRef } from "@/lib/teams/membership";
import { currentRequestId, runInRequestContext } from "@/lib/http/request-context";
import { isOriginOf } from "@/lib/http/request-origin";
import { errorField, logger } from "@/lib/log";
import { recordRequest, routeTemplate } from "@/lib/metrics";

// The one wrapper every route handler goes through: authentication, same-origin check for cookie
// writes, what the route acts on (a session, sandbox or team of the caller's, with the caller's role
// there, resolved and authorised in one query), zod validation of path params, headers, query and
// body, errors as problem+json, and X-Request-Id everywhere. Handlers check no roles themselves.

const log = logger("api");

const MAX_BODY_BYTES = 1024 * 1024;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

interface RouteOptions {
  /** The session `params.id`, and what the caller does to it: the ability's least role is in lib/contract/roles.ts. */
  session?: Ability;
  /** The sandbox `params.id`. */
  sandbox?: Ability;
  /** The team `params.teamId`, or the body's `teamId` when the path has none (creating a session). */
  team?: Ability;
  /** Instance admins only (a user flag, not a team role). */
  instanceAdmin?: true;
  params?: z.ZodType;
  headers?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body's strings may hold NUL or lone surrogates because the handler makes them well-formed (prompts). */
  bodyTextAsIs?: boolean;
}

type Parsed<O, K extends keyof RouteOptions, Otherwise = undefined> = O extends { [key in K]: infer S extends z.ZodType } ? z.infer<S> : Otherwise;

type Scope<O> = (O extends { session: Ability } ? { session: Session; role: Role } : unknown) &
  (O extends { sandbox: Ability } ? { sandbox: SandboxWithSessions; role: Role } : unknown) &
  (O extends { team: Ability } ? { team: TeamRef; role: Role } : unknown);

export type RouteContext<O> = {
  request: Request;
  requestId: string;
  user: CurrentUser;
  params: Parsed<O, "params", Record<string, string>>;
  headers: Parsed<O, "headers">;
  query: Parsed<O, "query">;
  body: Parsed<O, "body">;
} & Scope<O>;

export function withRoute<const O extends RouteOptions>(options: O, handler: (context: RouteContext<O>) => Promise<Response | object>) {
  return (request: Request, context: { params: Promise<Record<string, string>> }): Promise<Response> =>
    runInRequestContext(request, () =>
      measured(request, context, async () => {
        const requestId = currentRequestId() ?? requestIdOf(request);
        try {
          const user = await authenticate(request);
          await enforceApiRateLimit(user);
          if (options.instanceAdmin) requireInstanceAdmin(user);
          const rawParams = (await context.params) ?? {};
          // A path parameter that cannot name anything names nothing: 404, as for an unknown id. The id of
          // what the route acts on is checked even when the route declares no schema of its own.
          const paramsSchema =
            options.params ?? (options.session || options.sandbox ? pathParams("id") : options.team && "teamId" in rawParams ? pathParams("teamId") : null);
          const params = paramsSchema ? parseOr(paramsSchema, rawParams, () => notFound()) : rawParams;
          const headers = options.headers ? parseWith(options.headers, headerObject(request.headers), headerPath) : undefined;
          const query = options.query ? parseWith(options.query, Object.fromEntries(new URL(request.url).searchParams)) : undefined;
          const body = options.body ? parseWith(options.body, await readJson(request, options.bodyTextAsIs)) : undefined;
          const scope = await resolveScope(options, user, rawParams, body);
          const result = await handler({ request, requestId, user, params, headers, query, body, ...scope } as RouteContext<O>);
          const response = result instanceof Response ? result : Response.json(result);
          response.headers.set("x-request-id", requestId);
          return response;
        } catch (error) {
          return errorResponse(error, requestId, request);
        }
      }),
    );
}

/** Counts and logs the request (GET /api/metrics), by route template (the path's ids and tokens replaced by their names). */
async function measured(
  request: Request,
  context: { params: Promise<Record<string, string>> } | undefined,
  answer: () => Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  const response = await answer();
  const params = (await Promise.resolve(context?.params).catch(() => null)) ?? {};
  const route = routeTemplate(new URL(request.url).pathname, params);
  const seconds = (performance.now() - started) / 1000;
  recordRequest({ route, method: request.method, status: response.status, seconds });
  // The access line: the template, not the path (an invitation's token is in its path), and no query.
  // The ids the path names (session, sandbox, team) are kept; a token in a path never is.
  const ids = Object.fromEntries(Object.entries(params).filter(([name]) => !/token/i.test(name)));
  log.info(
    { method: request.method, route, ...(Object.keys(ids).length > 0 ? { params: ids } : {}), status: response.status, ms: Math.round(seconds * 1000) },
    "request",
  );
  return response;
}

/** What the route acts on, with the caller's role there; 404 when the caller is not in its team. */
async function resolveScope(options: RouteOptions, user: CurrentUser, params: Record<string, string>, body: unknown) {
  if (options.session) {
    const found = await sessionAccess({ sessionId: params.id ?? "", userId: user.id });
    if (!found) throw notFound("Session");
    assertMay(found.role, options.session, { own: found.session.createdById === user.id, where: "the session's team" });
    return found;
  }
  if (options.sandbox) {
    const found = await sandboxAccess({ sandboxId: params.id ?? "", userId: user.id });
    if (!found) throw notFound("Sandbox");
    assertMay(found.role, options.sandbox, { where: "the sandbox's team" });
    return found;
  }
  if (options.team) {
    const teamId = params.teamId ?? (body as { teamId?: unknown } | undefined)?.teamId;
    const found = typeof teamId === "string" ? await teamAccess({ teamId, userId: user.id }) : null;
    if (!found) throw notFound("Team");
    assertMay(found.role, options.team);
    return found;
  }
  return {};
}

/** For routes without a signed-in user (health, accepting an invitation link). */
export function withPublicRoute<const O extends Pick<RouteOptions, "params" | "body" | "query" | "headers">>(
  options: O,
  handler: (context: {
    request: Request;
    requestId: string;
    params: Parsed<O, "params", Record<string, string>>;
    body: Parsed<O, "body">;
    query: Parsed<O, "query">;
    headers: Parsed<O, "headers">;
  }) => Promise<Response | object>,
) {
  return (request: Request, context?: { params: Promise<Record<string, string>> }): Promise<Response> =>
    runInRequestContext(request, () =>
      measured(request, context, async () => {
        const requestId = currentRequestId() ?? requestIdOf(request);
        try {
          const rawParams = (await context?.params) ?? {};
          const params = options.params ? parseOr(options.params, rawParams, () => notFound()) : rawParams;
          const headers = options.headers ? parseWith(options.headers, headerObject(request.headers), headerPath) : undefined;
          const query = options.query ? parseWith(options.query, Object.fromEntries(new URL(request.url).searchParams)) : undefined;
          const body = options.body ? parseWith(options.body, await readJson(request)) : undefined;
          const result = await handler({ request, requestId, params, body, query, headers } as Parameters<typeof handler>[0]);
          const response = result instanceof Response ? result : Response.json(result);
          response.headers.set("x-request-id", requestId);
          return response;
        } catch (error) {
          return errorResponse(error, requestId, request);
        }
      }),
    );
}

export function errorResponse(error: unknown, requestId: string, request?: Request): Response {
  if (isApiError(error)) return problemResponse(error, requestId);
  if (isDatabaseUnreachable(error)) return problemResponse(databaseUnavailable(), requestId);
  if (error instanceof ZodError) return problemResponse(unprocessable("The request is not valid.", zodFieldErrors(error)), requestId);
  log.error(
    {
      requestId,
      method: request?.method,
      path: request ? new URL(request.url).pathname : undefined,
      err: errorField(error),
      stack: error instanceof Error ? error.stack : undefined,
    },
    "request failed",
  );
  return internalErrorResponse(requestId);
}

/** The signed-in user or bearer token's user, within the API rate limit (for a route that also takes another credential). */
export async function authenticatedUser(request: Request): Promise<CurrentUser> {
  const user = await authenticate(request);
  await enforceApiRateLimit(user);
  return user;
}

async function authenticate(request: Request): Promise<CurrentUser> {
  const authorization = request.headers.get("authorization");
  if (authorization) {
    const user = await userFromBearer(authorization);
    if (!user) throw unauthorized("The bearer token is not valid.");
    return user;
  }
  const user = await getCurrentUser();
  if (!user) throw unauthorized();
  if (MUTATING.has(request.method) && !sameOrigin(request)) throw forbidden("Cross-origin requests are not allowed.", "cross_origin");
  return user;
}

/**
 * A cookie write must show it comes from the portal's own pages: an `Origin` on this host, or the
 * browser's `Sec-Fetch-Site: same-origin`. A write with neither is refused too — every browser that
 * sends cookies sends one of them on a POST, and a client without a browser uses a bearer token.
 */
function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return request.headers.get("sec-fetch-site") === "same-origin";
  return isOriginOf(origin, request.headers);
}

async function readJson(request: Request, textAsIs = false): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new ApiError("unsupported_media_type", "Send the body as application/json.");
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge("The body is over the 1 MiB limit.");
  const text = await readLimited(request);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformedJson();
  }
  const unstorable = textAsIs ? [] : unstorableStrings(parsed);
  if (unstorable.length > 0) throw unprocessable("The request is not valid.", unstorable, "invalid_text");
  return parsed;
}

/** Reads the body but stops at the limit, so a chunked upload cannot make us buffer it whole. */
async function readLimited(request: Request): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge("The body is over the 1 MiB limit.");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseWith<T extends z.ZodType>(schema: T, input: unknown, path: (field: string) => string = (field) => field): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success)
    throw unprocessable(
      "The request is not valid.",
      zodFieldErrors(result.error).map((error) => ({ ...error, path: path(error.path) })),
    );
  return result.data;
}

function parseOr<T extends z.ZodType>(schema: T, input: unknown, otherwise: () => Error): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw otherwise();
  return result.data;
}

/** Header names as schemas name them (lower case); an empty header counts as absent. */
function headerObject(headers: Headers): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [name, value] of headers) if (value.trim() !== "") entries[name] = value.trim();
  return entries;
}

/** "last-event-id" → "Last-Event-ID" in field errors, as the client wrote it. */
const headerPath = (name: string) =>
  name
    .split("-")
    .map((part) => (part === "id" ? "ID" : part.charAt(0).toUpperCase() + part.slice(1)))
    .join("-");

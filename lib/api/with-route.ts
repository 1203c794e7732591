import "server-only";
import { ZodError, type z } from "zod";
import { getCurrentUser, userFromBearer, type CurrentUser } from "@/lib/auth/current-user";
import { ApiError, badRequest, databaseUnavailable, forbidden, isApiError, isDatabaseUnreachable, unauthorized, unprocessable } from "@/lib/errors";
import { internalErrorResponse, problemResponse, zodFieldErrors } from "@/lib/api/problem";
import { unstorableStrings } from "@/lib/api/input-rule";
import { enforceApiRateLimit } from "@/lib/api/rate-limit";
import { requestIdOf } from "@/lib/api/request-id";
import { runInRequestContext } from "@/lib/http/request-context";

// The one wrapper every route handler goes through: authentication, same-origin check for cookie
// writes, body and query validation with zod, errors as problem+json, and X-Request-Id everywhere.

const MAX_BODY_BYTES = 1024 * 1024;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

interface RouteContext<B, Q, P> {
  request: Request;
  requestId: string;
  user: CurrentUser;
  body: B;
  query: Q;
  params: P;
}

interface RouteOptions<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  body?: B;
  query?: Q;
  /** The body's strings may hold NUL or lone surrogates because the handler makes them well-formed (prompts). */
  bodyTextAsIs?: boolean;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export function withRoute<P extends Record<string, string> = Record<string, string>, B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  options: RouteOptions<B, Q>,
  handler: (context: RouteContext<Infer<B>, Infer<Q>, P>) => Promise<Response | object>,
) {
  return (request: Request, context: { params: Promise<P> }): Promise<Response> => runInRequestContext(request, async () => {
    const requestId = requestIdOf(request);
    try {
      const user = await authenticate(request);
      await enforceApiRateLimit(user);
      const params = await context.params;
      const query = options.query ? parseWith(options.query, Object.fromEntries(new URL(request.url).searchParams)) : undefined;
      const body = options.body ? parseWith(options.body, await readJson(request, options.bodyTextAsIs)) : undefined;
      const result = await handler({ request, requestId, user, body: body as Infer<B>, query: query as Infer<Q>, params });
      const response = result instanceof Response ? result : Response.json(result);
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      return errorResponse(error, requestId, request);
    }
  });
}

/** For routes without a signed-in user (health, accepting an invitation link). */
export function withPublicRoute<P extends Record<string, string> = Record<string, string>, B extends z.ZodType | undefined = undefined>(
  options: { body?: B },
  handler: (context: { request: Request; requestId: string; params: P; body: Infer<B> }) => Promise<Response | object>,
) {
  return (request: Request, context?: { params: Promise<P> }): Promise<Response> => runInRequestContext(request, async () => {
    const requestId = requestIdOf(request);
    try {
      const params = ((await context?.params) ?? {}) as P;
      const body = options.body ? parseWith(options.body, await readJson(request)) : undefined;
      const result = await handler({ request, requestId, params, body: body as Infer<B> });
      const response = result instanceof Response ? result : Response.json(result);
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      return errorResponse(error, requestId, request);
    }
  });
}

export function errorResponse(error: unknown, requestId: string, request?: Request): Response {
  if (isApiError(error)) return problemResponse(error, requestId);
  if (isDatabaseUnreachable(error)) return problemResponse(databaseUnavailable(), requestId);
  if (error instanceof ZodError) return problemResponse(unprocessable("The request is not valid.", zodFieldErrors(error)), requestId);
  console.error(`[api] ${request?.method ?? ""} ${request ? new URL(request.url).pathname : ""} failed (request ${requestId}):`, error);
  return internalErrorResponse(requestId);
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
  if (MUTATING.has(request.method) && !sameOrigin(request)) throw forbidden("Cross-origin requests are not allowed.");
  return user;
}

function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return true; // non-browser clients and same-origin navigations may omit it
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

async function readJson(request: Request, textAsIs = false): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new ApiError(415, "Send the body as application/json.");
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw new ApiError(413, "The body is over the 1 MiB limit.");
  const text = await readLimited(request);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest("The body is not valid JSON.");
  }
  const unstorable = textAsIs ? [] : unstorableStrings(parsed);
  if (unstorable.length > 0) throw unprocessable("The request is not valid.", unstorable);
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
      throw new ApiError(413, "The body is over the 1 MiB limit.");
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseWith<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw unprocessable("The request is not valid.", zodFieldErrors(result.error));
  return result.data;
}

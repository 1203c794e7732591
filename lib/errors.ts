// One error type for everything a caller can be told; lib/api/with-route.ts turns it into
// application/problem+json. Anything else is an unexpected failure and becomes a bare 500.

export interface FieldError {
  path: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

// Route handlers and the instrumentation hook are bundled separately, so one error can come from
// another copy of this module: recognise it by a brand, not by instanceof.
const BRAND = Symbol.for("agent-portal.api-error");

export function isApiError(error: unknown): error is ApiError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

export class ApiError extends Error {
  readonly [BRAND] = true;
  readonly status: number;
  readonly title: string;
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;

  constructor(status: number, detail: string, options: { errors?: FieldError[]; retryAfterSeconds?: number } = {}) {
    super(detail);
    this.status = status;
    this.title = TITLES[status] ?? "Error";
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new ApiError(400, detail, { errors });
export const unauthorized = (detail = "Sign in or send a valid bearer token.") => new ApiError(401, detail);
export const forbidden = (detail = "Your role in this team does not allow this.") => new ApiError(403, detail);
export const notFound = (what = "Resource") => new ApiError(404, `${what} not found.`);
export const conflict = (detail: string) => new ApiError(409, detail);
export const unprocessable = (detail: string, errors?: FieldError[]) => new ApiError(422, detail, { errors });
export const runtimeUnavailable = (detail = "The agent runtime is unreachable; try again shortly.") =>
  new ApiError(503, detail, { retryAfterSeconds: 2 });

export const databaseUnavailable = () =>
  new ApiError(503, "The database is unreachable; what was accepted is kept and saved when it is back.", { retryAfterSeconds: 2 });

/** Prisma's errors when it cannot reach PostgreSQL (connection refused, cut, or pool timeout). */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error) || !error.name.startsWith("PrismaClient")) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && ["P1001", "P1002", "P1008", "P1017", "P2024"].includes(code)) return true;
  return /can't reach database|connection (refused|terminated|closed|error)|not queryable|not currently accepting connections|ECONNREFUSED|57P0[123]|shutting down/i.test(error.message);
}

/**
 * PostgreSQL refused the data itself (SQLSTATE class 22: a value it cannot take). Unlike a lost
 * connection or a deadlock, trying the same statement again fails the same way.
 */
export function isDataRejected(error: unknown): boolean {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null)?.meta?.driverAdapterError?.cause;
  return typeof cause?.originalCode === "string" && cause.originalCode.startsWith("22");
}

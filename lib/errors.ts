import { PROBLEM_STATUS, STATUS_TITLE, type FieldError, type ProblemCode } from "@/lib/contract/problems";

export { isProblemCode } from "@/lib/contract/problems";

// One error type for everything a caller can be told; lib/api/with-route.ts turns it into
// application/problem+json. Its status follows from its code (lib/contract/problems.ts), so a code
// has one status everywhere. Anything else is an unexpected failure and becomes a bare 500.

export type { FieldError, ProblemCode };

// Route handlers and the instrumentation hook are bundled separately, so one error can come from
// another copy of this module: recognise it by a brand, not by instanceof.
const BRAND = Symbol.for("agent-portal.api-error");

export function isApiError(error: unknown): error is ApiError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

export class ApiError extends Error {
  readonly [BRAND] = true;
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;

  constructor(code: ProblemCode, detail: string, options: { errors?: FieldError[]; retryAfterSeconds?: number } = {}) {
    super(detail);
    this.code = code;
    this.status = PROBLEM_STATUS[code];
    this.title = STATUS_TITLE[this.status] ?? "Error";
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const malformedJson = (detail = "The body is not valid JSON.") => new ApiError("malformed_json", detail);
export const invalidCursor = (detail = "The cursor is not valid; use nextCursor from the previous page.") =>
  new ApiError("invalid_cursor", detail, { errors: [{ path: "cursor", message: "is not a cursor this list gave out" }] });
export const unauthorized = (detail = "Sign in or send a valid bearer token.") => new ApiError("unauthenticated", detail);
export const forbidden = (
  detail = "Your role in this team does not allow this.",
  code: "forbidden" | "role_too_low" | "cross_origin" | "instance_admin_only" = "forbidden",
) => new ApiError(code, detail);
export const roleTooLow = (needed: string, actual: string, where = "the team") =>
  new ApiError("role_too_low", `This needs the ${needed} role in ${where}; you are ${actual}.`);
export const notFound = (what = "Resource") => new ApiError("not_found", `${what} not found.`);
export const conflict = (code: ConflictCode, detail: string) => new ApiError(code, detail);
export const unprocessable = (detail: string, errors?: FieldError[], code: "validation_failed" | "invalid_text" | "not_offered" = "validation_failed") =>
  new ApiError(code, detail, { errors });
export const tooLarge = (detail: string) => new ApiError("body_too_large", detail);
export const rateLimited = (detail: string, retryAfterSeconds: number, code: "rate_limited" | "too_many_streams" | "team_turn_limit" = "rate_limited") =>
  new ApiError(code, detail, { retryAfterSeconds });
export const runtimeUnavailable = (detail = "The agent runtime is unreachable; try again shortly.") =>
  new ApiError("runtime_unavailable", detail, { retryAfterSeconds: 2 });

export const databaseUnavailable = () =>
  new ApiError("database_unavailable", "The database is unreachable; what was accepted is kept and saved when it is back.", { retryAfterSeconds: 2 });

type ConflictCode = { [C in ProblemCode]: (typeof PROBLEM_STATUS)[C] extends 409 ? C : never }[ProblemCode];

/** Prisma's errors when it cannot reach PostgreSQL (connection refused, cut, or pool timeout). */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error) || !error.name.startsWith("PrismaClient")) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && ["P1001", "P1002", "P1008", "P1017", "P2024"].includes(code)) return true;
  return /can't reach database|connection (refused|terminated|closed|error)|not queryable|not currently accepting connections|ECONNREFUSED|57P0[123]|shutting down/i.test(
    error.message,
  );
}

/**
 * PostgreSQL refused the data itself (SQLSTATE class 22: a value it cannot take). Unlike a lost
 * connection or a deadlock, trying the same statement again fails the same way.
 */
export function isDataRejected(error: unknown): boolean {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } } | null)?.meta?.driverAdapterError?.cause;
  return typeof cause?.originalCode === "string" && cause.originalCode.startsWith("22");
}

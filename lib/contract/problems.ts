// Every problem the portal answers, by its machine-readable `code`, with the one HTTP status that
// code always has. Shared by the server (lib/errors.ts, proxy.ts, lib/http/server-policy.ts) and the
// browser (components/api-client.ts), so a code means the same thing everywhere. Documented in README.

export const PROBLEM_STATUS = {
  // 400: the request cannot be read
  malformed_json: 400,
  malformed_path: 400,
  invalid_cursor: 400,
  // 401 / 403: who you are, and what your role allows
  unauthenticated: 401,
  forbidden: 403,
  role_too_low: 403,
  cross_origin: 403,
  instance_admin_only: 403,
  // 404: does not exist, or belongs to a team you are not in
  not_found: 404,
  method_not_allowed: 405,
  // 409: the state does not allow it now
  turn_running: 409,
  no_turn_running: 409,
  session_destroyed: 409,
  sandbox_destroyed: 409,
  runtime_session_gone: 409,
  permission_answered: 409,
  permission_expired: 409,
  already_exists: 409,
  last_owner: 409,
  not_allowed_on_self: 409,
  sandbox_shared: 409,
  no_repository: 409,
  nothing_to_push: 409,
  terminal_closed: 409,
  configured_by_env: 409,
  team_in_use: 409,
  // 412: the caller's copy is out of date (If-Match)
  edited_meanwhile: 412,
  // 413 / 415: the body
  body_too_large: 413,
  workspace_too_large: 413,
  unsupported_media_type: 415,
  // 422: well-formed but invalid
  validation_failed: 422,
  invalid_text: 422,
  not_offered: 422,
  clone_failed: 422,
  host_key_changed: 422,
  push_refused: 422,
  // 429: slow down (with Retry-After)
  rate_limited: 429,
  too_many_streams: 429,
  team_turn_limit: 429,
  // 5xx: our side (with Retry-After where waiting helps)
  internal: 500,
  runtime_refused: 502,
  runtime_unavailable: 503,
  database_unavailable: 503,
  sandboxes_busy: 503,
  instance_unavailable: 503,
} as const satisfies Record<string, number>;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

export const PROBLEM_CODES = Object.keys(PROBLEM_STATUS) as ProblemCode[];

export const STATUS_TITLE: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export interface FieldError {
  path: string;
  message: string;
}

/** The problem+json body as the contract shows it. */
export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  requestId: string;
  errors?: FieldError[];
}

export function isProblemCode(value: unknown): value is ProblemCode {
  return typeof value === "string" && Object.hasOwn(PROBLEM_STATUS, value);
}

/** The one way to build a problem body: its status and title follow from the code. */
export function problemBody(code: ProblemCode, detail: string, requestId: string, errors?: FieldError[]): ProblemJson {
  const status = PROBLEM_STATUS[code];
  return {
    type: `https://agent-portal.dev/problems/${code}`,
    title: STATUS_TITLE[status] ?? "Error",
    status,
    code,
    detail,
    requestId,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

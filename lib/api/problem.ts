import { ApiError } from "@/lib/errors";
import { problemBody, type FieldError } from "@/lib/contract/problems";
import type { ZodError } from "zod";

// ApiError and zod failures → application/problem+json. Pure, so it is unit-tested.

export function zodFieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(root)", message: issue.message }));
}

export function problemResponse(error: ApiError, requestId: string): Response {
  const headers = new Headers({ "content-type": "application/problem+json", "x-request-id": requestId });
  if (error.retryAfterSeconds !== undefined) headers.set("retry-after", String(error.retryAfterSeconds));
  return new Response(JSON.stringify(problemBody(error.code, error.message, requestId, error.errors)), { status: error.status, headers });
}

export function internalErrorResponse(requestId: string): Response {
  return problemResponse(new ApiError("internal", "Something went wrong on our side. Quote the request id if you report it."), requestId);
}

import "server-only";
import type { UnsupportedSessionValueError } from "sandbox-agent";
import { ApiError, isApiError, runtimeUnavailable, unprocessable } from "@/lib/errors";

// SDK and runtime failures mapped to what the caller can act on.

export function runtimeError(error: unknown): Error {
  if (isApiError(error)) return error;
  // By name: the SDK instance (and its error classes) may come from another bundle than this module.
  if (error instanceof Error && error.name === "UnsupportedSessionValueError") {
    const { category, allowedValues } = error as UnsupportedSessionValueError;
    return unprocessable(
      `This agent does not offer that ${category.replace("_", " ")}. Allowed: ${allowedValues.join(", ")}.`,
      [{ path: category === "thought_level" ? "thoughtLevel" : category, message: `must be one of: ${allowedValues.join(", ")}` }],
      "not_offered",
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/fetch failed|ECONNREFUSED|socket|network|aborted/i.test(message)) {
    return runtimeUnavailable();
  }
  return new ApiError("runtime_refused", `The agent runtime refused the request: ${message.slice(0, 300)}`);
}

/** SDK and agent refusals of a value are the caller's mistake (422); the rest is the runtime's. */
export function settingError(error: unknown, field: string): Error {
  if (error instanceof ApiError) return error;
  // Duck-typed: the SDK's error classes can exist twice in the server bundle, so instanceof misses.
  const details = (error ?? {}) as { allowedValues?: unknown; availableCategories?: unknown; availableConfigIds?: unknown; code?: unknown; message?: unknown };
  const message = typeof details.message === "string" ? details.message : String(error);
  if (Array.isArray(details.allowedValues)) {
    return unprocessable(
      `The agent does not offer that value. Allowed: ${details.allowedValues.join(", ")}.`,
      [{ path: field, message: `must be one of: ${details.allowedValues.join(", ")}` }],
      "not_offered",
    );
  }
  if (Array.isArray(details.availableCategories) || Array.isArray(details.availableConfigIds)) {
    return unprocessable(`The agent offers no such setting: ${message}`, [{ path: field, message: "not offered by this agent" }], "not_offered");
  }
  // JSON-RPC "invalid params": the agent itself rejected the value.
  if (details.code === -32602)
    return unprocessable(`The agent rejected the value: ${message.slice(0, 300)}`, [{ path: field, message: message.slice(0, 300) }]);
  return runtimeError(error);
}

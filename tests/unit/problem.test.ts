import { describe, expect, it } from "vitest";
import { z } from "zod";
import { problemResponse, zodFieldErrors } from "@/lib/api/problem";
import { ApiError, isDatabaseUnreachable, runtimeUnavailable, unprocessable } from "@/lib/errors";

describe("problem+json mapping", () => {
  it("renders an ApiError with the contract's fields and headers", async () => {
    const response = problemResponse(unprocessable("The request is not valid.", [{ path: "agent", message: "is required" }]), "req-1");
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("x-request-id")).toBe("req-1");
    expect(await response.json()).toEqual({
      type: expect.stringContaining("422"),
      title: "Unprocessable Content",
      status: 422,
      detail: "The request is not valid.",
      requestId: "req-1",
      errors: [{ path: "agent", message: "is required" }],
    });
  });

  it("adds Retry-After to 503s", () => {
    const response = problemResponse(runtimeUnavailable(), "req-2");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("2");
  });

  it("omits errors when there are none", async () => {
    const body = await problemResponse(new ApiError(409, "busy"), "r").json();
    expect(body).not.toHaveProperty("errors");
    expect(body.title).toBe("Conflict");
  });

  it("turns zod issues into path/message pairs", () => {
    const result = z.object({ a: z.object({ b: z.number() }), c: z.string() }).safeParse({ a: { b: "x" } });
    expect(result.success).toBe(false);
    const errors = zodFieldErrors(result.error!);
    expect(errors.map((error) => error.path).sort()).toEqual(["a.b", "c"]);
  });
});

describe("isDatabaseUnreachable", () => {
  const prismaError = (message: string, code?: string) => Object.assign(new Error(message), { name: "PrismaClientKnownRequestError", code });

  it("recognises Prisma's connection failures", () => {
    expect(isDatabaseUnreachable(prismaError("Can't reach database server at 127.0.0.1:5432", "P1001"))).toBe(true);
    expect(isDatabaseUnreachable(prismaError('database "x" is not currently accepting connections'))).toBe(true);
  });

  it("leaves every other error alone", () => {
    expect(isDatabaseUnreachable(prismaError("Unique constraint failed", "P2002"))).toBe(false);
    expect(isDatabaseUnreachable(new Error("connection refused"))).toBe(false);
    expect(isDatabaseUnreachable("down")).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { problemResponse, zodFieldErrors } from "@/lib/api/problem";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { PROBLEM_CODES, PROBLEM_STATUS, STATUS_TITLE, problemBody } from "@/lib/contract/problems";
import { ApiError, isDatabaseUnreachable, runtimeUnavailable, unprocessable } from "@/lib/errors";

describe("problem+json mapping", () => {
  it("renders an ApiError with the contract's fields and headers", async () => {
    const response = problemResponse(unprocessable("The request is not valid.", [{ path: "agent", message: "is required" }]), "req-1");
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("x-request-id")).toBe("req-1");
    expect(await response.json()).toEqual({
      type: expect.stringContaining("validation_failed"),
      title: "Unprocessable Content",
      status: 422,
      code: "validation_failed",
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
    const body = await problemResponse(new ApiError("turn_running", "busy"), "r").json();
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

describe("problem codes", () => {
  const root = path.resolve(import.meta.dirname, "../..");
  const sourceFiles = (dir: string): string[] =>
    readdirSync(path.join(root, dir)).flatMap((name) => {
      const relative = path.join(dir, name);
      if (statSync(path.join(root, relative)).isDirectory()) return sourceFiles(relative);
      return /\.(ts|tsx|mjs)$/.test(name) ? [relative] : [];
    });

  it("gives every code exactly one status, each declared once in the table", () => {
    const table = readFileSync(path.join(root, "lib/contract/problems.ts"), "utf8");
    const declared = [...table.matchAll(/^\s+([a-z_]+): (\d{3}),$/gm)].map((match) => [match[1]!, Number(match[2])] as const);
    const names = declared.map(([code]) => code);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.fromEntries(declared)).toEqual(PROBLEM_STATUS);
    for (const code of PROBLEM_CODES) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it("answers each code with its status, title and code, through ApiError and the shared builder alike", async () => {
    for (const code of PROBLEM_CODES) {
      const status = PROBLEM_STATUS[code];
      expect(STATUS_TITLE[status], `title for ${status}`).toBeDefined();
      const response = problemResponse(new ApiError(code, "detail"), "r");
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(body).toMatchObject({ status, code, title: STATUS_TITLE[status] });
      expect(problemBody(code, "detail", "r")).toEqual(body);
    }
  });

  it("is documented in the README, code by code, with its status", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const documented = Object.fromEntries([...readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((match) => [match[1]!, Number(match[2])]));
    expect(documented).toEqual(PROBLEM_STATUS);
  });

  it("is the only place a problem body is put together (no hand-built problem+json elsewhere)", () => {
    const files = ["lib", "app", "components"].flatMap(sourceFiles).concat("proxy.ts");
    const handBuilt = files.filter(
      (file) =>
        file !== path.join("lib", "contract", "problems.ts") &&
        /agent-portal\.dev\/problems|new ApiError\(\d/.test(readFileSync(path.join(root, file), "utf8")),
    );
    expect(handBuilt).toEqual([]);
  });
});

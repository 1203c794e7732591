import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

describe("parseEnv", () => {
  it("applies the embedded defaults when nothing is set", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.PORTAL_DATA_DIR).toBe(".data");
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SANDBOX_AGENT_URL).toBeUndefined();
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: " " }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: "seventy" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ SANDBOX_AGENT_URL: "not a url" }, "SANDBOX_AGENT_URL"],
    [{ NEXTAUTH_SECRET: "short" }, "NEXTAUTH_SECRET"],
    [{ PORTAL_ADMIN_EMAIL: "nobody" , PORTAL_ADMIN_PASSWORD: "long-enough-password" }, "PORTAL_ADMIN_EMAIL"],
    [{ PORTAL_ADMIN_EMAIL: "a@b.test" }, "PORTAL_ADMIN_PASSWORD"],
    [{ PORTAL_ADMIN_EMAIL: "a@b.test", PORTAL_ADMIN_PASSWORD: "short" }, "PORTAL_ADMIN_PASSWORD"],
  ])("rejects %j with one line naming %s", (raw, name) => {
    let error: unknown;
    try {
      parseEnv(raw);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain("\n");
  });

  it("accepts a full external configuration", () => {
    const env = parseEnv({
      PORT: "8080",
      DATABASE_URL: "postgresql://u@db:5432/portal",
      SANDBOX_AGENT_URL: "http://runtime:2468",
      SANDBOX_AGENT_TOKEN: "t",
      NEXTAUTH_SECRET: "x".repeat(40),
      PORTAL_ADMIN_EMAIL: "lead@example.com",
      PORTAL_ADMIN_PASSWORD: "a-long-password",
    });
    expect(env).toMatchObject({ PORT: 8080, SANDBOX_AGENT_URL: "http://runtime:2468", PORTAL_ADMIN_EMAIL: "lead@example.com" });
  });
});

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
    [{ PORTAL_ADMIN_EMAIL: "nobody", PORTAL_ADMIN_PASSWORD: "long-enough-password" }, "PORTAL_ADMIN_EMAIL"],
    [{ PORTAL_ADMIN_EMAIL: "a@b.test" }, "PORTAL_ADMIN_PASSWORD"],
    [{ PORTAL_ADMIN_EMAIL: "a@b.test", PORTAL_ADMIN_PASSWORD: "short" }, "PORTAL_ADMIN_PASSWORD"],
    [{ PORTAL_SANDBOX: "kubernetes" }, "PORTAL_SANDBOX"],
    [{ PORTAL_SANDBOX: "cloudflare" }, "PORTAL_SANDBOX"],
    [{ PORTAL_SANDBOX: "e2b", PORTAL_SANDBOX_OPTIONS: "{template: x}" }, "PORTAL_SANDBOX_OPTIONS"],
    [{ PORTAL_SANDBOX: "docker", PORTAL_SANDBOX_OPTIONS: "[1]" }, "PORTAL_SANDBOX_OPTIONS"],
    [{ PORTAL_SANDBOX_NETWORK: "host" }, "PORTAL_SANDBOX_NETWORK"],
    [{ PORTAL_SANDBOX_MEMORY: "lots" }, "PORTAL_SANDBOX_MEMORY"],
    [{ PORTAL_SANDBOX_MEMORY: "1m" }, "PORTAL_SANDBOX_MEMORY"],
    [{ PORTAL_SANDBOX_CPUS: "0" }, "PORTAL_SANDBOX_CPUS"],
    [{ PORTAL_SANDBOX_PIDS: "1.5" }, "PORTAL_SANDBOX_PIDS"],
    [{ PORTAL_SANDBOX_DISK: "-5g" }, "PORTAL_SANDBOX_DISK"],
    [{ PORTAL_SANDBOX_TMP: "5x" }, "PORTAL_SANDBOX_TMP"],
    [{ PORTAL_OIDC_GROUP_ROLES: "eng=Engineering:member" }, "PORTAL_OIDC_GROUP_ROLES"],
    [{ PORTAL_OIDC_GROUP_ROLES: '{"group":"eng"}' }, "PORTAL_OIDC_GROUP_ROLES"],
    [{ PORTAL_OIDC_GROUP_ROLES: '[{"group":"eng","team":"Engineering","role":"king"}]' }, "PORTAL_OIDC_GROUP_ROLES"],
    [{ PORTAL_OIDC_GROUP_ROLES: '[{"group":"","team":"Engineering","role":"member"}]' }, "PORTAL_OIDC_GROUP_ROLES"],
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

  it("takes a hosted provider of the SDK with its options as JSON, and a sandbox network", () => {
    expect(parseEnv({})).toMatchObject({ PORTAL_SANDBOX: "bwrap", PORTAL_SANDBOX_OPTIONS: {} });
    // Agents reach their models through the portal's gateway and nothing else, unless told otherwise.
    expect(parseEnv({}).PORTAL_SANDBOX_NETWORK).toBe("models");
    expect(parseEnv({})).toMatchObject({
      PORTAL_SANDBOX_MEMORY: 2 * 1024 ** 3,
      PORTAL_SANDBOX_CPUS: 1,
      PORTAL_SANDBOX_PIDS: 512,
      PORTAL_SANDBOX_DISK: 5 * 1024 ** 3,
      PORTAL_SANDBOX_TMP: 512 * 1024 ** 2,
    });
    expect(
      parseEnv({ PORTAL_SANDBOX_MEMORY: "1.5G", PORTAL_SANDBOX_CPUS: "1.5", PORTAL_SANDBOX_DISK: "800MiB", PORTAL_SANDBOX_TMP: "67108864" }),
    ).toMatchObject({
      PORTAL_SANDBOX_MEMORY: 1.5 * 1024 ** 3,
      PORTAL_SANDBOX_CPUS: 1.5,
      PORTAL_SANDBOX_DISK: 800 * 1024 ** 2,
      PORTAL_SANDBOX_TMP: 64 * 1024 ** 2,
    });
    expect(parseEnv({ PORTAL_SANDBOX: "e2b", PORTAL_SANDBOX_OPTIONS: '{"template":"portal","timeoutMs":600000}' })).toMatchObject({
      PORTAL_SANDBOX: "e2b",
      PORTAL_SANDBOX_OPTIONS: { template: "portal", timeoutMs: 600000 },
    });
    for (const provider of ["daytona", "modal", "docker", "vercel", "local"]) expect(parseEnv({ PORTAL_SANDBOX: provider }).PORTAL_SANDBOX).toBe(provider);
    for (const network of ["none", "models", "outbound"]) expect(parseEnv({ PORTAL_SANDBOX_NETWORK: network }).PORTAL_SANDBOX_NETWORK).toBe(network);
    expect(() => parseEnv({ PORTAL_SANDBOX_NETWORK: "internet" })).toThrow(/PORTAL_SANDBOX_NETWORK/);
    expect(() => parseEnv({ PORTAL_SANDBOX: "cloudflare" })).toThrow(/Cloudflare Worker/);
  });

  it("reads the groups claim and its mapping to team roles, as JSON, with the line at fault named", () => {
    expect(parseEnv({})).toMatchObject({ PORTAL_OIDC_GROUPS_CLAIM: "groups", PORTAL_OIDC_GROUP_ROLES: [] });
    const roles = [
      { group: "eng", team: "Engineering", role: "member" },
      { group: "cn=leads,ou=groups", team: "Engineering: core", role: "admin" },
    ];
    expect(parseEnv({ PORTAL_OIDC_GROUPS_CLAIM: "https://example.com/groups", PORTAL_OIDC_GROUP_ROLES: JSON.stringify(roles) })).toMatchObject({
      PORTAL_OIDC_GROUPS_CLAIM: "https://example.com/groups",
      PORTAL_OIDC_GROUP_ROLES: roles,
    });
    expect(() => parseEnv({ PORTAL_OIDC_GROUP_ROLES: '[{"group":"eng","team":"Engineering","role":"member"},{"group":"x","team":"T"}]' })).toThrow(
      /PORTAL_OIDC_GROUP_ROLES: .*\(at 1\.role: /,
    );
  });
});

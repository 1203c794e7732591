import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentPrograms } from "@/lib/agents/layout";
import { apiFor, openPortal, waitFor, type PortalFixture } from "./harness";

// The instance admin's agent installs through the real portal: the list, the install button's
// route (202 and progress on the list, here ending in a failure because npm's registry is a port
// nobody listens on — the real downloads are in agent-installs.test.ts), PORTAL_AGENTS at start,
// and who may call them.

const agentsDir = mkdtempSync(path.join(os.tmpdir(), "portal-admin-agents-"));
const npmCache = mkdtempSync(path.join(os.tmpdir(), "portal-admin-agents-npm-"));
let fixture: PortalFixture;

/** What a finished codex install leaves (its program and the marker with the catalog's pin). */
function fakeCodexInstall() {
  const dir = path.join(agentsDir, "codex");
  for (const file of agentPrograms("codex", dir).required) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
  }
  writeFileSync(
    path.join(dir, "portal-agent.json"),
    JSON.stringify({
      id: "codex",
      packages: [{ name: "@zed-industries/codex-acp", version: "0.16.0" }],
      installedAt: "2026-12-06T21:00:00.000Z",
      sizeBytes: 4321,
    }),
  );
}

beforeAll(async () => {
  chmodSync(agentsDir, 0o755);
  fakeCodexInstall();
  fixture = await openPortal({
    env: {
      PORTAL_AGENTS_DIR: agentsDir,
      PORTAL_AGENTS: "opencode,codex",
      PORTAL_AGENTS_NPM_CACHE: npmCache,
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_fetch_retries: "0",
    },
  });
});

afterAll(async () => {
  await fixture?.close();
  rmSync(agentsDir, { recursive: true, force: true });
  rmSync(npmCache, { recursive: true, force: true });
});

type Item = { id: string; package: string; version: string; state: string; sizeBytes?: number; error?: string };

describe("GET /api/admin/agents and POST /api/admin/agents/:id/install", () => {
  it("PORTAL_AGENTS installs the missing ones at start in the background, saying so in one line, and leaves installed ones alone", async () => {
    const lines = fixture.portal
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => String(line.msg).startsWith("installing agents in the background"))).toEqual([
      expect.objectContaining({ area: "agents", agents: ["opencode"], dir: expect.any(String) }),
    ]);
    const items = await waitFor(
      async () => (await fixture.api.get("/api/admin/agents")).items as Item[],
      (list) => list.find((item) => item.id === "opencode")?.state === "failed",
      60_000,
    );
    expect(items.find((item) => item.id === "opencode")!.error).toMatch(/npm install exited with/);
    expect(items.find((item) => item.id === "codex")).toEqual(
      expect.objectContaining({ package: "@zed-industries/codex-acp", version: "0.16.0", state: "installed", sizeBytes: 4321 }),
    );
    expect(items.find((item) => item.id === "claude")).toEqual(
      expect.objectContaining({ package: "@zed-industries/claude-code-acp", version: "0.16.2", state: "absent" }),
    );
  });

  it("answers 202 for an install it starts, shows it on the list until it ends, and 200 for an installed agent", async () => {
    const started = await fixture.api.request("POST", "/api/admin/agents/claude/install");
    expect(started.status).toBe(202);
    expect(["installing", "failed"]).toContain(started.body.state);
    const ended = await waitFor(
      async () => ((await fixture.api.get("/api/admin/agents")).items as Item[]).find((item) => item.id === "claude")!,
      (item) => item.state === "failed",
      60_000,
    );
    expect(ended.error).toMatch(/npm/);
    expect((await fixture.api.request("POST", "/api/admin/agents/codex/install")).status).toBe(200);
  });

  it("404 problem for an id outside the catalog, 403 for a caller who is not an instance admin", async () => {
    const unknown = await fixture.api.request("POST", "/api/admin/agents/amp/install");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/problem\+json/);
    const email = `member-${Date.now()}@example.test`;
    const password = "a-long-enough-password";
    await fixture.api.post(`/api/teams/${fixture.teamId}/members`, { email, role: "member", password });
    const member = await apiFor(fixture.portal.baseUrl, email, password);
    expect((await member.request("GET", "/api/admin/agents")).status).toBe(403);
    expect((await member.request("POST", "/api/admin/agents/claude/install")).status).toBe(403);
  });
});

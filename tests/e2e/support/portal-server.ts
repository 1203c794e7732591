import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ADMIN, createTestDatabase, removeDir, ROOT } from "../../integration/harness";

// One Playwright worker's portal (support/fixtures.ts starts it with E2E_PORT and E2E_DATABASE): build
// when stale (globalSetup already did), create the named database, run the real `next start`, and on
// SIGINT to the process group let the portal stop, then drop it all.

const port = process.env.E2E_PORT;
if (!port) throw new Error("E2E_PORT is not set (support/fixtures.ts sets it)");

// The fixture signals the whole process group; the portal handles SIGINT itself, this process waits.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});

// @ts-expect-error plain ESM build script without types
const { ensureBuilt } = (await import("../../../scripts/build.mjs")) as { ensureBuilt: () => Promise<void> };
await ensureBuilt();
const database = await createTestDatabase("portal_e2e", process.env.E2E_DATABASE);
const dataDir = mkdtempSync(path.join(os.tmpdir(), "portal-e2e-"));
// mkdtemp makes it 0700: sandboxes under it must be reachable by their own uids.
chmodSync(dataDir, 0o711);
console.error(`[e2e] database ${database.name}, data dir ${dataDir}, port ${port}`);

const portal = spawn(process.execPath, [path.join(ROOT, "scripts/server.mjs")], {
  cwd: ROOT,
  stdio: "inherit",
  env: {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_MANUAL_SIG_HANDLE: "1",
    PORT: port,
    PORTAL_DATA_DIR: dataDir,
    PORTAL_ADMIN_EMAIL: ADMIN.email,
    PORTAL_ADMIN_PASSWORD: ADMIN.password,
    DATABASE_URL: database.url,
  },
});

const exited = new Promise<number>((resolve) => portal.once("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));

// Ready means the runtime is up too (/api/health answers 200 while it is still starting).
void (async () => {
  while (portal.exitCode === null) {
    try {
      const health = (await (await fetch(`http://localhost:${port}/api/health`)).json()) as { status?: string };
      if (health.status === "ok") {
        console.log("[e2e] portal ready");
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
})();

const code = await exited;
try {
  await database.drop();
} catch (error) {
  console.error(`[e2e] could not drop ${database.name}:`, error);
}
removeDir(dataDir);
console.error(`[e2e] portal exited (${code}); database ${database.name} dropped`);
process.exit(code);

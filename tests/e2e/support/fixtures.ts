import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { expect, test as base, type BrowserContextOptions } from "@playwright/test";
import { freePort, ROOT } from "../../integration/harness";
import { LoginPage } from "../pages/login-page";
import { admin } from "./users";

// Every Playwright worker runs its own portal on its own database (portal-server.ts), and signs in
// there once as the admin through the login page: specs in two workers share nothing — no data, no
// current team, no instance setting such as SSO — and each spec works in a team of its own
// (support/api.ts ownTeam), so within a worker no spec depends on what an earlier one left.

export { expect };

type StorageState = Exclude<BrowserContextOptions["storageState"], string | undefined>;

export interface WorkerPortal {
  baseUrl: string;
  /** Its database's name, for fixtures too big for the API (support/database.ts). */
  database: string;
  /** The admin's sign-in, saved by the worker's first login. */
  adminState: StorageState;
}

let current: WorkerPortal | undefined;

/** This worker's portal (set before any hook or test of the worker runs). */
export function workerPortal(): WorkerPortal {
  if (!current) throw new Error("no portal yet: import test from tests/e2e/support/fixtures.ts");
  return current;
}

async function startWorkerPortal(): Promise<{ baseUrl: string; database: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const database = `portal_e2e_${Date.now()}_${randomBytes(3).toString("hex")}`;
  // Its own process group: portal-server.ts waits while `next start` handles the SIGINT itself.
  const server = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "tests/e2e/support/portal-server.ts")], {
    cwd: ROOT,
    env: { ...process.env, E2E_PORT: String(port), E2E_DATABASE: database },
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const exited = new Promise<number>((resolve) => server.once("exit", (code) => resolve(code ?? 1)));
  const ready = new Promise<void>((resolve, reject) => {
    let output = "";
    server.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("[e2e] portal ready")) resolve();
    });
    void exited.then((code) => reject(new Error(`the e2e portal exited (${code}) before it was ready`)));
  });
  const timer = setTimeout(() => process.kill(-server.pid!, "SIGKILL"), 300_000);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }
  return {
    baseUrl: `http://localhost:${port}`,
    database,
    async stop() {
      if (server.exitCode === null) process.kill(-server.pid!, "SIGINT");
      const forced = setTimeout(() => server.exitCode === null && process.kill(-server.pid!, "SIGKILL"), 20_000);
      await exited;
      clearTimeout(forced);
    },
  };
}

export const test = base.extend<object, { portal: WorkerPortal }>({
  portal: [
    async ({ browser }, use) => {
      const server = await startWorkerPortal();
      try {
        const context = await browser.newContext({ baseURL: server.baseUrl });
        const page = await context.newPage();
        const login = new LoginPage(page);
        await login.goto();
        await login.signIn(admin.email, admin.password);
        await page.waitForURL(/\/sessions$/);
        await expect(page.getByTestId("current-user")).toHaveText(admin.email);
        const adminState = await context.storageState();
        await context.close();
        current = { baseUrl: server.baseUrl, database: server.database, adminState };
        await use(current);
      } finally {
        current = undefined;
        await server.stop();
      }
    },
    // Up before the first hook: beforeAll hooks make contexts on it (support/contexts.ts).
    { scope: "worker", auto: true, timeout: 360_000 },
  ],
  baseURL: async ({ portal }, use) => use(portal.baseUrl),
  // Cookie-authenticated writes must prove they come from the portal's own pages (an Origin on its
  // host, lib/api/with-route.ts): `page.request` / `request` calls carry it like its pages would.
  extraHTTPHeaders: async ({ portal }, use) => use({ origin: portal.baseUrl }),
  // Signed in as the admin unless a spec says otherwise (test.use({ storageState: … })).
  storageState: async ({ portal }, use) => use(portal.adminState),
});

import { defineConfig } from "@playwright/test";
import { STORAGE_STATE } from "./tests/e2e/support/paths";

// Browser tests against the real portal (`next start`, real runtime, PostgreSQL on 127.0.0.1:5432)
// in Debian's Chromium. The config is loaded again in every worker: the port is chosen once, in the
// runner, and handed down through the environment.
process.env.E2E_PORT ??= String(20_000 + Math.floor(Math.random() * 20_000));
// The portal's database, named here so tests can write fixtures too big for the API straight into it.
process.env.E2E_DATABASE ??= `portal_e2e_${Date.now()}_${Math.random().toString(16).slice(2, 8)}`;
const baseURL = `http://localhost:${process.env.E2E_PORT}`;

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL,
    // Cookie-authenticated writes must prove they come from the portal's own pages (an Origin on its
    // host, lib/api/with-route.ts). A page's own fetches send one; `page.request` / `request` calls
    // are not a browser's and send none, so they carry the portal's origin like its pages would.
    extraHTTPHeaders: { origin: baseURL },
    browserName: "chromium",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts/ },
    { name: "chromium", testMatch: /.*\.spec\.ts/, dependencies: ["setup"], use: { storageState: STORAGE_STATE } },
    // A screenshot walk through the UI, not part of the suite: --project screens with SCREENS_DIR set.
    ...(process.env.SCREENS_DIR ? [{ name: "screens", testMatch: /.*\.tour\.ts/, dependencies: ["setup"], use: { storageState: STORAGE_STATE } }] : []),
  ],
  webServer: {
    command: "node --import tsx tests/e2e/support/portal-server.ts",
    // portal-server.ts says so once /api/health reports the runtime up as well.
    wait: { stdout: /\[e2e\] portal ready/ },
    timeout: 300_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: "SIGINT", timeout: 20_000 },
    stdout: "ignore",
    stderr: "pipe",
  },
});

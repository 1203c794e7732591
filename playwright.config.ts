import { defineConfig } from "@playwright/test";

// Browser tests against the real portal (`next start`, real runtime, PostgreSQL on 127.0.0.1:5432)
// in Debian's Chromium: its headless shell (package chromium-headless-shell), the old headless mode
// Playwright itself runs headless tests in. layout.spec.ts took 29% less CPU there than in the full
// browser (198 → 140 s). Each worker starts a portal of its own on a database of its own and signs in
// there (tests/e2e/support/fixtures.ts: baseURL, the Origin header and the admin's sign-in come from
// it), so the two workers' specs share nothing; whole files go to a worker, in order.

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  globalSetup: "tests/e2e/support/global-setup.ts",
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: "/usr/bin/chromium-headless-shell",
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
    // DOM snapshots of every step, kept when a test fails; no screencast — encoding a frame stream of
    // every page cost more CPU than anything else the browser did (the failure's screenshot stays).
    trace: { mode: "retain-on-failure", screenshots: false },
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "chromium", testMatch: /.*\.spec\.ts/ },
    // A screenshot walk through the UI, not part of the suite: --project screens with SCREENS_DIR set.
    ...(process.env.SCREENS_DIR ? [{ name: "screens", testMatch: /.*\.tour\.ts/ }] : []),
  ],
});

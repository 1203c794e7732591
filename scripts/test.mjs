// `npm test`: every suite — unit and integration (vitest; integration runs the real portal, runtime
// and PostgreSQL), then end to end in Chromium (Playwright) — and one closing line with the totals.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt, quietEnv } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const reports = mkdtempSync(path.join(os.tmpdir(), "portal-test-reports-"));
const env = { ...process.env, ...quietEnv, VITE_CONFIG_NATIVE_IGNORE_WARNING: "true" };

await ensureBuilt();

const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;

const vitestReport = path.join(reports, "vitest.json");
const vitest = spawnSync(path.join(root, "node_modules/.bin/vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`], { cwd: root, stdio: "inherit", env });
if (vitest.status !== 0) exitCode = 1;
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
} else exitCode = 1;

if (existsSync(path.join(root, "playwright.config.ts"))) {
  const playwrightReport = path.join(reports, "playwright.json");
  const playwright = spawnSync(path.join(root, "node_modules/.bin/playwright"), ["test", "--reporter=list,json"], {
    cwd: root,
    stdio: "inherit",
    env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport },
  });
  if (playwright.status !== 0) exitCode = 1;
  if (existsSync(playwrightReport)) {
    const { stats } = JSON.parse(readFileSync(playwrightReport, "utf8"));
    totals.passed += stats.expected;
    totals.failed += stats.unexpected + stats.flaky;
    totals.skipped += stats.skipped;
  } else exitCode = 1;
}

if (totals.passed === 0) exitCode = 1;
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);

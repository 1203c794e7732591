// `npm test`: the linter (zero warnings), then every suite — unit and integration (vitest; integration runs the real portal, runtime
// and PostgreSQL), then end to end in Chromium (Playwright), with the long-turn suite beside them —
// and one closing line with the totals.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
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

// The linter first (after the build, which generates the Prisma client its type-aware rules read), so
// CI fails on a finding; the suites still run, to report everything in one go.
// Exactly `npm run lint` (eslint, then the import-cycle check), without npm's own start-up.
const lint = spawnSync(path.join(root, "node_modules/.bin/eslint"), [".", "--max-warnings", "0"], { cwd: root, stdio: "inherit", env });
const cycles = spawnSync(process.execPath, [path.join(root, "scripts/import-cycles.mjs")], { cwd: root, stdio: "inherit", env });
if (lint.status !== 0 || cycles.status !== 0) {
  console.error("[test] npm run lint failed: fix its findings (see above)");
  exitCode = 1;
} else console.log("[test] lint: no findings");
// The formatter's view too (`npm run format` rewrites what it lists).
const format = spawnSync(path.join(root, "node_modules/.bin/prettier"), ["--check", "--log-level", "warn", "."], { cwd: root, stdio: "inherit", env });
if (format.status !== 0) {
  console.error("[test] npm run format:check failed: run npm run format");
  exitCode = 1;
} else console.log("[test] format: every file as Prettier writes it");
const vitestBin = path.join(root, "node_modules/.bin/vitest");

function countVitest(status, report) {
  if (status !== 0) exitCode = 1;
  if (!existsSync(report)) {
    exitCode = 1;
    return;
  }
  const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = JSON.parse(readFileSync(report, "utf8"));
  totals.passed += numPassedTests;
  totals.failed += numFailedTests;
  totals.skipped += numPendingTests + numTodoTests;
}

// The "long" project is minutes of waiting (a turn longer than Node's 300 s fetch timeout) and
// little work: it runs beside the other suites, and its output is printed when it is done.
const longReport = path.join(reports, "vitest-long.json");
const longLog = path.join(reports, "vitest-long.log");
const long = spawn(vitestBin, ["run", "--project", "long", "--reporter=default", "--reporter=json", `--outputFile.json=${longReport}`], {
  cwd: root,
  stdio: ["ignore", openSync(longLog, "w"), openSync(longLog, "a")],
  env,
});
const longDone = new Promise((resolve) => long.once("exit", (code) => resolve(code ?? 1)));

const vitestReport = path.join(reports, "vitest.json");
const vitest = spawnSync(
  vitestBin,
  ["run", "--project", "unit", "--project", "integration", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestReport}`],
  { cwd: root, stdio: "inherit", env },
);
countVitest(vitest.status, vitestReport);

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

const longStatus = await longDone;
process.stdout.write(`\n${readFileSync(longLog, "utf8")}`);
countVitest(longStatus, longReport);

if (totals.passed === 0) exitCode = 1;
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);

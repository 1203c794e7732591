// `npm test`: the linter (zero warnings) and the formatter's check beside every suite — unit and integration (vitest; integration
// runs the real portal, runtime and PostgreSQL), then end to end in Chromium (Playwright), with the long-turn suite beside them —
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

// The linter and the formatter's view (after the build, which generates the Prisma client the linter's
// type-aware rules read) run beside the suites, whose files spend much of their time waiting on their
// portals and agents, and print when the suites are done (3 minutes before them otherwise, 3.5 beside
// the integration files). A finding fails the run; every suite still runs, to report everything in
// one go. Exactly `npm run lint` (eslint, then the import-cycle check) and
// `npm run format:check`, without npm's own start-up.
const checks = (async () => {
  const lint = await runBeside(path.join(root, "node_modules/.bin/eslint"), [".", "--max-warnings", "0"]);
  const cycles = await runBeside(process.execPath, [path.join(root, "scripts/import-cycles.mjs")]);
  const format = await runBeside(path.join(root, "node_modules/.bin/prettier"), ["--check", "--log-level", "warn", "."]);
  let output = lint.output + cycles.output + format.output;
  if (lint.status !== 0 || cycles.status !== 0) output += "[test] npm run lint failed: fix its findings (see above)\n";
  else output += "[test] lint: no findings\n";
  if (format.status !== 0) output += "[test] npm run format:check failed: run npm run format\n";
  else output += "[test] format: every file as Prettier writes it\n";
  return { ok: lint.status === 0 && cycles.status === 0 && format.status === 0, output };
})();

/** A command beside the suites, its output kept to print afterwards. */
function runBeside(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("close", (code) => resolve({ status: code ?? 1, output }));
  });
}

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
  [
    "run",
    ...["unit", "integration", "integration-load"].flatMap((project) => ["--project", project]),
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${vitestReport}`,
  ],
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

const checked = await checks;
process.stdout.write(`\n${checked.output}`);
if (!checked.ok) exitCode = 1;

const longStatus = await longDone;
process.stdout.write(`\n${readFileSync(longLog, "utf8")}`);
countVitest(longStatus, longReport);

if (totals.passed === 0) exitCode = 1;
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode);

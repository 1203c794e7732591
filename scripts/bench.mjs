// `npm run bench`: builds the portal when stale, then runs every bench/*.ts in sequence (tsx, with the
// react-server condition so lib modules' `import "server-only"` resolves) and prints their output.
// `npm run bench -- ingest restore` runs only the benches whose file name contains one of the words.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt, quietEnv } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const filters = process.argv.slice(2);
const benches = readdirSync(path.join(root, "bench"))
  .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

if (benches.length === 0) {
  console.error(`[bench] no bench matches ${filters.join(", ")}`);
  process.exit(1);
}

await ensureBuilt();

const results = [];
for (const name of benches) {
  console.log(`\n=== bench/${name} ===`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join("bench", name)], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...quietEnv },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = run.status === 0;
  results.push(`${ok ? "ok    " : "FAILED"} bench/${name} (${seconds} s)`);
}

console.log(`\n=== benches ===\n${results.join("\n")}`);
process.exit(results.some((line) => line.startsWith("FAILED")) ? 1 : 0);

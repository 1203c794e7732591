// Builds everything `npm start` serves: the Prisma client (offline), the demo agent, the Next app.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildDemoAgent } from "./build-demo-agent.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const quietEnv = { NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };

function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...quietEnv, ...extraEnv } });
  if (result.status !== 0) {
    console.error(`[build] ${path.basename(command)} ${args.join(" ")} failed`);
    process.exit(result.status ?? 1);
  }
}

export function generatePrismaClient() {
  // The Prisma CLI wants a schema engine binary it cannot download here; `generate` does not use it.
  run(path.join(root, "node_modules/.bin/prisma"), ["generate"], {
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, "scripts/no-schema-engine.sh"),
    PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: "1",
  });
}

export async function buildAll() {
  generatePrismaClient();
  await buildDemoAgent();
  run(path.join(root, "node_modules/.bin/next"), ["build"]);
}

const SOURCES = [
  "app",
  "components",
  "lib",
  "agents/demo/src",
  "prisma",
  "instrumentation.ts",
  "proxy.ts",
  "next.config.mjs",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
];

function newestMtime(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of readdirSync(full)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

function buildIsStale() {
  const marker = path.join(root, ".next", "BUILD_ID");
  const outputs = [marker, path.join(root, "agents/demo/dist/demo-agent.mjs"), path.join(root, "generated/prisma/client.ts")];
  if (outputs.some((file) => !existsSync(file))) return true;
  const built = statSync(marker).mtimeMs;
  return SOURCES.some((entry) => newestMtime(entry) > built);
}

/** Builds when the build is missing or older than the sources. */
export async function ensureBuilt() {
  if (!buildIsStale()) return;
  console.log("[portal] building (sources changed or no build yet)…");
  await buildAll();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAll();

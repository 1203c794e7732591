// Builds everything `npm start` serves: the Prisma client (offline), the demo agent, the Next app.
import { spawnSync } from "node:child_process";
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

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAll();

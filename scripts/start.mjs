// `npm start`: build when the build is missing or older than the sources, then serve. The portal
// process starts its own PostgreSQL and runtime (instrumentation.ts) and stops them on SIGINT/SIGTERM.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildAll, quietEnv } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SOURCES = ["app", "components", "lib", "agents/demo/src", "prisma", "instrumentation.ts", "next.config.mjs", "package.json", "package-lock.json", "tsconfig.json"];

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
  if (!existsSync(marker) || !existsSync(path.join(root, "agents/demo/dist/demo-agent.mjs")) || !existsSync(path.join(root, "generated/prisma/client.ts"))) return true;
  const built = statSync(marker).mtimeMs;
  return SOURCES.some((entry) => newestMtime(entry) > built);
}

if (buildIsStale()) {
  console.log("[portal] building (sources changed or no build yet)…");
  await buildAll();
}

const port = process.env.PORT || "3000";
const child = spawn(path.join(root, "node_modules/.bin/next"), ["start", "-p", port], {
  cwd: root,
  stdio: "inherit",
  // The portal handles SIGINT/SIGTERM itself so it can flush events and stop its services.
  env: { ...process.env, ...quietEnv, NEXT_MANUAL_SIG_HANDLE: "1", PORT: port },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

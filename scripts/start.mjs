// `npm start`: build when the build is missing or older than the sources, then serve. The portal
// process starts its own PostgreSQL and runtime (instrumentation.ts) and stops them on SIGINT/SIGTERM.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuilt, quietEnv } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
await ensureBuilt();

const port = process.env.PORT || "3000";
const child = spawn(process.execPath, [path.join(root, "scripts/server.mjs")], {
  cwd: root,
  stdio: "inherit",
  // The portal handles SIGINT/SIGTERM itself so it can flush events and stop its services.
  env: { ...process.env, ...quietEnv, NEXT_MANUAL_SIG_HANDLE: "1", PORT: port },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

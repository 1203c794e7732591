#!/usr/bin/env node
// Bundles the demo ACP agent (agents/demo/src) into one executable ESM file
// that the sandbox-agent runtime can launch with plain `node`.

import { build } from "esbuild";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const demoAgentEntry = path.join(repoRoot, "agents/demo/src/main.ts");
export const demoAgentOutfile = path.join(repoRoot, "agents/demo/dist/demo-agent.mjs");

/**
 * Build the demo agent and return the path of the bundle.
 * The bundle is written to a temporary file and renamed into place, so a
 * concurrently starting agent process never reads a half-written file.
 *
 * @returns {Promise<string>}
 */
export async function buildDemoAgent() {
  const result = await build({
    entryPoints: [demoAgentEntry],
    outfile: demoAgentOutfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
    legalComments: "none",
    logLevel: "warning",
    write: false,
  });
  const [bundle] = result.outputFiles;
  if (!bundle) {
    throw new Error("esbuild produced no output for the demo agent");
  }
  await mkdir(path.dirname(demoAgentOutfile), { recursive: true });
  const temporary = `${demoAgentOutfile}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, bundle.contents);
  await chmod(temporary, 0o755);
  await rename(temporary, demoAgentOutfile);
  return demoAgentOutfile;
}

const invokedDirectly = process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  const started = Date.now();
  const outfile = await buildDemoAgent();
  console.log(`built ${path.relative(repoRoot, outfile)} in ${Date.now() - started} ms`);
}

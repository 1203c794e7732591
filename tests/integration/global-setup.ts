// Builds the portal once (when stale) so every integration test runs the real `next start` server.
export default async function setup() {
  // @ts-expect-error plain ESM build script without types
  const { ensureBuilt } = await import("../../scripts/build.mjs");
  await ensureBuilt();
}

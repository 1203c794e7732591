// Builds the portal once (when stale) before the workers start their portals (support/fixtures.ts):
// two workers must not both find the build stale and build at once.
export default async function setup() {
  // @ts-expect-error plain ESM build script without types
  const { ensureBuilt } = await import("../../../scripts/build.mjs");
  await ensureBuilt();
}

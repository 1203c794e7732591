import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // Next enforces "server-only" at build time; under vitest the modules simply run on the server.
  "server-only": path.resolve(import.meta.dirname, "tests/fixtures/empty-module.ts"),
};

export default defineConfig({
  test: {
    projects: [
      { resolve: { alias }, test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node" } },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/integration/global-setup.ts"],
          // One file at a time. Two at once took the seven slowest files from 686 s to 536 s, but on
          // this 2-core machine the files that prove timing under load (burst, sandbox-crowd) then
          // measure each other: burst.test.ts lost chunks that way. Each file has a database, a data
          // dir and portals of its own (harness.ts), so they could run side by side on a bigger host.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      // Minutes of waiting and little work: scripts/test.mjs runs it beside the other suites.
      {
        resolve: { alias },
        test: {
          name: "long",
          include: ["tests/long/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/integration/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // Next enforces "server-only" at build time; under vitest the modules simply run on the server.
  "server-only": path.resolve(import.meta.dirname, "tests/fixtures/empty-module.ts"),
};

const integration = {
  include: ["tests/integration/**/*.test.ts"],
  environment: "node",
  globalSetup: ["tests/integration/global-setup.ts"],
  testTimeout: 120_000,
  hookTimeout: 180_000,
};

// A kept-whole burst, thirty turns in line for six slots, the queue's give-up time, a fork bomb beside
// another team's answers, a 100,000-chunk stream without a gap: each holds only on a machine not busy
// with another test file.
const LOAD_FILES = ["burst", "sandbox-crowd", "sandbox-queue", "sandbox-limits", "durability-pace"].map((name) => `tests/integration/${name}.test.ts`);

export default defineConfig({
  test: {
    projects: [
      // Two at a time: vitest's default on 2 cores is one (cores - 1), and a unit file is mostly its own import.
      { resolve: { alias }, test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node", maxWorkers: 2 } },
      // Most integration files spend their time waiting on their portals, agents and paced streams (a
      // file alone keeps ~1.2 of the 2 cores busy), and each has a database, a data dir and portals of
      // its own (harness.ts; sandbox uids are host-wide, lib/sandboxes/uids.ts): two run side by side.
      { resolve: { alias }, test: { ...integration, name: "integration", exclude: LOAD_FILES, maxWorkers: 2, sequence: { groupOrder: 1 } } },
      // The files that prove timing under load run alone, after them: beside another file they measure
      // each other (burst.test.ts lost chunks that way). `--project "integration*"` runs both.
      {
        resolve: { alias },
        test: { ...integration, name: "integration-load", include: LOAD_FILES, fileParallelism: false, sequence: { groupOrder: 2 } },
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

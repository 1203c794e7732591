// `npm run lint` (run by `npm test` before the suites, with zero warnings allowed): Next's rules
// (React, hooks, accessibility, imports), typescript-eslint's recommended rules, the type-aware rules
// that catch a promise nobody waits for or handles; import cycles are scripts/import-cycles.mjs's.
import next from "eslint-config-next";
import nextTypescript from "eslint-config-next/typescript";

const sources = "**/*.{js,jsx,mjs,ts,tsx,mts,cts}";

const config = [
  ...next,
  ...nextTypescript,
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  { ignores: ["generated/**", "agents/demo/dist/**", ".data/**", "test-results/**", "playwright-report/**"] },
  {
    files: ["**/*.{ts,tsx,mts,cts}"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      // React ignores what an event handler returns; the async handlers settle their own failures
      // (apiFetch answers with a result, useFormSubmit shows the error). Timers and callbacks are checked.
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
    },
  },
  {
    files: [sources],
    rules: {
      // Import cycles are checked by scripts/import-cycles.mjs (part of `npm run lint`): import/no-cycle
      // re-resolves and re-parses every imported file per importing file, 60 % of the lint's time here.
      "import/no-duplicates": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-unused-expressions": "error",
      // React Compiler rules: the portal does not run the compiler, and its components keep the latest
      // callback in a ref and read browser-only state after mount on purpose.
      "react-hooks/refs": "off",
      "react-hooks/set-state-in-effect": "off",
    },
  },
  {
    // Routes call the routed commands (lib/cluster/commands.ts), which run on the instance that owns
    // the sandbox; the owner-side functions they route to are all named …OnOwner and are not for routes.
    files: ["app/**", "components/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/lib/sessions/*", "@/lib/sandboxes/*"],
              importNamePattern: "OnOwner$",
              message: "Call the routed command from @/lib/cluster/commands.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["tests/**"],
    rules: {
      // Tests read JSON bodies whose shape is what the assertion checks.
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    // Playwright fixtures hand over their value through a function named `use`, not React's hook.
    files: ["tests/e2e/**"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  {
    files: ["**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
];

export default config;

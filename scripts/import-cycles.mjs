// `npm run lint`'s import-cycle check: the project's own modules (app, components, lib, scripts,
// tests, bench…) must not import one another in a circle. eslint-plugin-import's import/no-cycle
// did this inside eslint at 60 % of the whole lint's time (it resolves and re-parses every imported
// file once per importing file); this reads each file once, resolves its imports the way tsc does
// (tsconfig's paths, so "@/lib/…"), and reports every cycle, in about a second.
// Type-only imports do not count (they are erased, as import/no-cycle ignores them); dynamic
// import() does not either (it runs after both modules are loaded).
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SKIP = new Set(["node_modules", "generated", ".next", ".git", ".data", "test-results", "playwright-report", "dist"]);
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

function sourceFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") && entry.name !== ".ci") continue;
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(full, out);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

const config = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
const options = config?.options ?? {};
const host = ts.createCompilerHost(options);

/** The specifiers a file imports at load time (static imports and re-exports, not type-only ones). */
function runtimeImports(file) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const specifiers = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const bindings = clause?.namedBindings;
      const onlyTypes =
        clause &&
        !clause.name &&
        bindings &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((element) => element.isTypeOnly);
      if (!onlyTypes) specifiers.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

const files = sourceFiles(root);
const known = new Set(files);
const graph = new Map();
for (const file of files) {
  const targets = [];
  for (const specifier of runtimeImports(file)) {
    const resolved = ts.resolveModuleName(specifier, file, options, host).resolvedModule;
    if (!resolved || resolved.isExternalLibraryImport) continue;
    const target = path.resolve(resolved.resolvedFileName);
    if (known.has(target)) targets.push(target);
  }
  graph.set(file, targets);
}

// Tarjan's strongly connected components: every component of more than one file (or a file that
// imports itself) is a cycle.
let index = 0;
const indexOf = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function connect(file) {
  indexOf.set(file, index);
  low.set(file, index++);
  stack.push(file);
  onStack.add(file);
  for (const next of graph.get(file)) {
    if (!indexOf.has(next)) {
      connect(next);
      low.set(file, Math.min(low.get(file), low.get(next)));
    } else if (onStack.has(next)) low.set(file, Math.min(low.get(file), indexOf.get(next)));
  }
  if (low.get(file) !== indexOf.get(file)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== file);
  if (component.length > 1 || graph.get(file).includes(file)) cycles.push(component);
}
for (const file of files) if (!indexOf.has(file)) connect(file);

if (cycles.length === 0) {
  console.log(`[lint] no import cycles among ${files.length} files`);
} else {
  for (const component of cycles) {
    const members = new Set(component);
    console.error(`[lint] import cycle among ${component.length} file(s):`);
    for (const file of component.sort()) {
      const inCycle = graph.get(file).filter((target) => members.has(target));
      console.error(`  ${path.relative(root, file)} imports ${inCycle.map((target) => path.relative(root, target)).join(", ")}`);
    }
  }
  process.exitCode = 1;
}

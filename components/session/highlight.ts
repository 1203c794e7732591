import { createHighlighterCore, type HighlighterCore, type ThemedToken } from "shiki/core";
import { createJavaScriptRegexEngine } from "shiki/engine/javascript";

// Syntax highlighting for code blocks, loaded only when a message shows one (dynamic import from
// code-block.tsx). The JavaScript regex engine, not Oniguruma's WebAssembly, so the CSP needs no
// 'wasm-unsafe-eval'; a small set of languages, each its own chunk. Code blocks are dark in both
// themes, so one dark theme serves.

const LANGUAGES: Record<string, () => Promise<unknown>> = {
  typescript: () => import("@shikijs/langs/typescript"),
  tsx: () => import("@shikijs/langs/tsx"),
  javascript: () => import("@shikijs/langs/javascript"),
  json: () => import("@shikijs/langs/json"),
  bash: () => import("@shikijs/langs/bash"),
  python: () => import("@shikijs/langs/python"),
  diff: () => import("@shikijs/langs/diff"),
  css: () => import("@shikijs/langs/css"),
  html: () => import("@shikijs/langs/html"),
  yaml: () => import("@shikijs/langs/yaml"),
  rust: () => import("@shikijs/langs/rust"),
  go: () => import("@shikijs/langs/go"),
  markdown: () => import("@shikijs/langs/markdown"),
};
const ALIASES: Record<string, string> = {
  ts: "typescript",
  js: "javascript",
  jsx: "tsx",
  sh: "bash",
  shell: "bash",
  zsh: "bash",
  console: "bash",
  py: "python",
  yml: "yaml",
  rs: "rust",
  md: "markdown",
  patch: "diff",
};

let highlighter: Promise<HighlighterCore> | null = null;
const loaded = new Set<string>();

export function languageOf(className: string | undefined): string | null {
  const named = /language-([\w-]+)/.exec(className ?? "")?.[1]?.toLowerCase();
  if (!named) return null;
  const language = ALIASES[named] ?? named;
  return language in LANGUAGES ? language : null;
}

export async function highlight(code: string, language: string): Promise<ThemedToken[][]> {
  highlighter ??= createHighlighterCore({ themes: [import("@shikijs/themes/github-dark")], langs: [], engine: createJavaScriptRegexEngine() });
  const core = await highlighter;
  if (!loaded.has(language)) {
    await core.loadLanguage((await LANGUAGES[language]!()) as Parameters<HighlighterCore["loadLanguage"]>[0]);
    loaded.add(language);
  }
  return core.codeToTokens(code, { lang: language, theme: "github-dark" }).tokens;
}

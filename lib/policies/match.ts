import picomatch from "picomatch";
import { TOOL_KINDS, type PolicyRule } from "@/lib/contract/policies";

// Which rule of a team's approval policy answers a permission request. Pure (no database), so the
// intake (lib/policies/policies.ts) and the unit tests share it.

/** What a request offers a rule to match: its kind, its title and the paths it names. */
export interface ToolCallFacts {
  kind: string;
  title: string;
  paths: string[];
}

/** The tool call of a permission request as facts: paths from rawInput (path, file_path, …) and locations. */
export function toolCallFacts(toolCall: { kind?: unknown; title?: unknown; rawInput?: unknown; locations?: unknown }): ToolCallFacts {
  const kind = typeof toolCall.kind === "string" && (TOOL_KINDS as readonly string[]).includes(toolCall.kind) ? toolCall.kind : "other";
  const paths: string[] = [];
  const input = toolCall.rawInput;
  if (input && typeof input === "object") {
    for (const key of ["path", "file_path", "filePath", "notebook_path", "source", "destination"]) {
      const value = (input as Record<string, unknown>)[key];
      if (typeof value === "string" && value !== "") paths.push(value);
    }
  }
  if (Array.isArray(toolCall.locations)) {
    for (const location of toolCall.locations) {
      const value = (location as { path?: unknown } | null)?.path;
      if (typeof value === "string" && value !== "") paths.push(value);
    }
  }
  return { kind, title: typeof toolCall.title === "string" ? toolCall.title : "", paths };
}

/**
 * The first rule that matches, or null (the request waits for a person). A rule with a kind matches
 * only requests of that kind; a rule without one matches any kind by its pattern alone (the schema
 * requires a pattern then). A pattern is a glob (`*`, `**`, `{a,b}`) on the title or on any path.
 */
export function matchingRule(rules: readonly PolicyRule[], facts: ToolCallFacts): PolicyRule | null {
  for (const rule of rules) {
    if (rule.kind && rule.kind !== facts.kind) continue;
    if (rule.pattern !== undefined && !patternMatches(rule.pattern, facts)) continue;
    if (!rule.kind && rule.pattern === undefined) continue;
    return rule;
  }
  return null;
}

function patternMatches(pattern: string, facts: ToolCallFacts) {
  // On a path `*` stays within a directory; a title is text, where `*` runs across slashes too.
  const onPath = picomatch(pattern, { dot: true });
  const onTitle = picomatch(pattern, { dot: true, bash: true });
  return onTitle(facts.title) || facts.paths.some((candidate) => onPath(candidate));
}

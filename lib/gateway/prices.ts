import type { Usage } from "@/lib/gateway/usage-meter";

// List prices in US dollars per million tokens, for the cost column of a model call. A model not
// listed has no cost (null), never a guess. Matched by prefix, longest first, so dated snapshots
// ("claude-sonnet-4-5-20250929") take their family's price.

interface Price {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

const PRICES: Record<string, Price> = {
  "claude-opus-4": { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  "claude-opus-4-5": { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  "claude-sonnet-4": { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  "claude-3-7-sonnet": { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
  "gpt-5": { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 },
  "gpt-5-mini": { input: 0.25, output: 2, cacheRead: 0.025, cacheWrite: 0 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cacheRead: 0.005, cacheWrite: 0 },
  "gpt-4.1": { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 0 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cacheRead: 0.1, cacheWrite: 0 },
  "gpt-4o": { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 0 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0 },
};

const BY_LENGTH = Object.keys(PRICES).sort((a, b) => b.length - a.length);

/** The call's cost in dollars, or null when the model's price is not known. */
export function costOf(usage: Usage): number | null {
  const model = usage.model?.toLowerCase();
  const key = modelFamily(usage.model);
  if (!model || !key) return null;
  const price = PRICES[key]!;
  // Anthropic counts cached tokens apart from input_tokens; OpenAI counts them inside it.
  const uncachedInput = model.startsWith("claude") ? usage.inputTokens : Math.max(0, usage.inputTokens - usage.cacheReadTokens);
  const dollars =
    (uncachedInput * price.input + usage.outputTokens * price.output + usage.cacheReadTokens * price.cacheRead + usage.cacheWriteTokens * price.cacheWrite) /
    1_000_000;
  return Math.round(dollars * 1_000_000) / 1_000_000;
}

/**
 * The listed family a model name belongs to ("claude-sonnet-4" for a dated snapshot), or null. The
 * metrics label calls by it: a model name comes from the agent, and any string would make a new series.
 */
export function modelFamily(model: string | null | undefined): string | null {
  const lower = model?.toLowerCase();
  return (lower && BY_LENGTH.find((prefix) => lower === prefix || lower.startsWith(`${prefix}-`))) || null;
}

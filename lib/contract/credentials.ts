// A team's model credentials as its pages and the API show them: never the key, only its last
// characters and where calls go.

export const MODEL_PROVIDERS = ["anthropic", "openai"] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

export const MODEL_PROVIDER_NAMES: Record<ModelProvider, string> = { anthropic: "Anthropic", openai: "OpenAI" };

export interface CredentialJson {
  provider: ModelProvider;
  /** "team": the team's own key; "instance": the portal's default (ANTHROPIC_API_KEY, …); "none". */
  source: "team" | "instance" | "none";
  /** The key's last four characters (team keys only). */
  keyHint: string | null;
  /** Where the team's calls go when not to the provider's own API (team keys only). */
  baseUrl: string | null;
  setAt: string | null;
  /** The email of whoever set the team's key. */
  setBy: string | null;
  /** The team's last model call to this provider through the gateway. */
  lastUsedAt: string | null;
}

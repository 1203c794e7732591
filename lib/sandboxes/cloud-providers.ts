// The SDK's hosted sandbox providers the portal can be configured with (PORTAL_SANDBOX), apart
// from lib/sandboxes/providers/cloud.ts so that parsing the environment loads none of them.
export const CLOUD_PROVIDERS = ["e2b", "daytona", "modal", "docker", "vercel"] as const;
export type CloudProviderName = (typeof CLOUD_PROVIDERS)[number];

/** Where a sandbox runs, in words for people (its row keeps the provider's name, e.g. `bwrap`). */
export function providerLabel(provider: string): string {
  return PROVIDER_LABELS[provider] ?? provider;
}

const PROVIDER_LABELS: Record<string, string> = {
  bwrap: "isolated, on the portal's host",
  local: "shared runtime, on the portal's host",
  external: "shared runtime, run by the operator",
  e2b: "E2B",
  daytona: "Daytona",
  modal: "Modal",
  docker: "Docker",
  vercel: "Vercel",
} satisfies Record<CloudProviderName | "bwrap" | "local" | "external", string>;

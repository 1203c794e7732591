// The SDK's hosted sandbox providers the portal can be configured with (PORTAL_SANDBOX), apart
// from lib/sandboxes/providers/cloud.ts so that parsing the environment loads none of them.
export const CLOUD_PROVIDERS = ["e2b", "daytona", "modal", "docker", "vercel"] as const;
export type CloudProviderName = (typeof CLOUD_PROVIDERS)[number];

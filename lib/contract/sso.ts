import type { Role } from "@/lib/contract/roles";

// Single sign-on settings (GET|PUT|DELETE /api/admin/sso, or PORTAL_OIDC_* in the environment) and
// the mapping from the provider's groups to team roles. Shared by lib/env.ts, the route and /admin.

export const DEFAULT_SSO_NAME = "Single sign-on";
export const DEFAULT_GROUPS_CLAIM = "groups";

/**
 * One line of the mapping: people in `group` (a value of the groups claim) are `role` in `team`
 * (the team's id or its exact name). A person in several mapped groups gets the highest role per team.
 * Checked by lib/auth/sso-schema.ts.
 */
export interface GroupRole {
  group: string;
  team: string;
  role: Role;
}

export interface SsoGroupRoleJson {
  group: string;
  teamId: string;
  teamName: string;
  role: Role;
}

/** What /admin and GET /api/admin/sso show: never the client secret, only whether one is set. */
export interface SsoSettingsJson {
  /** Where the sign-in's configuration comes from: the environment wins over the admin's. */
  source: "env" | "admin" | "none";
  issuer: string | null;
  clientId: string | null;
  clientSecretSet: boolean;
  name: string;
  allowedDomains: string[];
  groupsClaim: string;
  /** As configured; an environment line whose team matches no team has teamId "" and teamName the reference. */
  groupRoles: SsoGroupRoleJson[];
  updatedAt: string | null;
}

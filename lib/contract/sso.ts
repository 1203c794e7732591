import { z } from "zod";
import { ROLES, type Role } from "@/lib/contract/roles";

// Single sign-on settings (GET|PUT|DELETE /api/admin/sso, or PORTAL_OIDC_* in the environment) and
// the mapping from the provider's groups to team roles. Shared by lib/env.ts, the route and /admin.

export const DEFAULT_SSO_NAME = "Single sign-on";
export const DEFAULT_GROUPS_CLAIM = "groups";

/**
 * One line of the mapping: people in `group` (a value of the groups claim) are `role` in `team`
 * (the team's id or its exact name). A person in several mapped groups gets the highest role per team.
 */
export const groupRoleSchema = z
  .object({
    group: z.string().trim().min(1).max(200),
    team: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
  })
  .strict();
export const groupRolesSchema = z.array(groupRoleSchema).max(200);
export type GroupRole = z.infer<typeof groupRoleSchema>;

/** An email domain as allowed domains list it: lower case, no @. */
export const emailDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, "must be a domain like example.com");

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

import { z } from "zod";
import { ROLES } from "@/lib/contract/roles";
import type { GroupRole } from "@/lib/contract/sso";

// The single sign-on settings' checks, shared by lib/env.ts (PORTAL_OIDC_GROUP_ROLES) and the
// /api/admin/sso route. No server-only: lib/env.ts is read by scripts too.

/** One line of the groups-to-roles mapping (lib/contract/sso.ts GroupRole). */
export const groupRoleSchema = z
  .object({
    group: z.string().trim().min(1).max(200),
    team: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
  })
  .strict() satisfies z.ZodType<GroupRole>;
export const groupRolesSchema = z.array(groupRoleSchema).max(200);

/** An email domain as allowed domains list it: lower case, no @. */
export const emailDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, "must be a domain like example.com");

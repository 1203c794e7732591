import { z } from "zod";
import { emailDomainSchema, groupRolesSchema } from "@/lib/auth/sso-schema";

const httpUrl = z
  .string()
  .trim()
  .max(500)
  .refine((value) => {
    try {
      return ["http:", "https:"].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL");

// The whole configuration each time; an omitted clientSecret keeps the stored one.
export const ssoSettingsBody = z
  .object({
    issuer: httpUrl,
    clientId: z.string().trim().min(1).max(500),
    clientSecret: z.string().min(1).max(2000).optional(),
    name: z.string().trim().max(60).optional(),
    allowedDomains: z.array(emailDomainSchema).max(100).default([]),
    groupsClaim: z.string().trim().max(200).optional(),
    groupRoles: groupRolesSchema.default([]),
  })
  .strict();

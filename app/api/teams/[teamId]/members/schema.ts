import { z } from "zod";
import { passwordSchema } from "@/lib/auth/password-rule";
import { ROLES } from "@/lib/contract/roles";
import { cursorParam, limitParam } from "@/lib/db/keyset";

export const role = z.enum(ROLES);

export const email = z.string().trim().max(320).pipe(z.email("must be an email address"));

export const listMembersQuery = z.object({
  cursor: cursorParam,
  limit: limitParam,
});

export const provisionMemberBody = z.object({
  email,
  role,
  name: z.string().trim().min(1).max(200).optional(),
  password: passwordSchema,
});

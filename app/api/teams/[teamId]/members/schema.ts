import { z } from "zod";
import { cursorParam } from "@/lib/db/keyset";
import { passwordSchema } from "@/lib/auth/password-rule";

export const role = z.enum(["viewer", "member", "admin", "owner"]);

export const email = z.string().trim().max(320).pipe(z.email("must be an email address"));

export const listMembersQuery = z.object({
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const provisionMemberBody = z.object({
  email,
  role,
  name: z.string().trim().min(1).max(200).optional(),
  password: passwordSchema,
});

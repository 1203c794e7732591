import { z } from "zod";

export const role = z.enum(["viewer", "member", "admin", "owner"]);

export const listMembersQuery = z.object({
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const addMemberBody = z.object({
  email: z.string().trim().max(320).pipe(z.email("must be an email address")),
  role,
  name: z.string().trim().min(1).max(200).optional(),
  password: z.string().min(12, "must be at least 12 characters").max(1024).optional(),
});

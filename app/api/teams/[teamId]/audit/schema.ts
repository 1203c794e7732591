import { z } from "zod";
import { cursorParam } from "@/lib/db/keyset";

export const auditQuery = z.object({
  cursor: cursorParam,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  actorId: z.string().max(100).optional(),
  action: z.string().max(100).optional(),
  from: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .transform((value) => new Date(value))
    .optional(),
  to: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .transform((value) => new Date(value))
    .optional(),
});

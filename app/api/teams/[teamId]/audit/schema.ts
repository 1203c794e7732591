import { z } from "zod";
import { cursorParam, limitParam } from "@/lib/db/keyset";

export const auditQuery = z.object({
  cursor: cursorParam,
  limit: limitParam,
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

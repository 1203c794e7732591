import { z } from "zod";

export const updateMeBody = z
  .object({ name: z.string().trim().min(1, "must not be empty").max(200).optional(), activeTeamId: z.string().max(100).nullable().optional() })
  .strict();

import { z } from "zod";

export const updateUserBody = z
  .object({ disabled: z.boolean().optional(), isInstanceAdmin: z.boolean().optional() })
  .strict()
  .refine((body) => body.disabled !== undefined || body.isInstanceAdmin !== undefined, "give disabled or isInstanceAdmin");

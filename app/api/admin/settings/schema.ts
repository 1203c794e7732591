import { z } from "zod";
import { WEBHOOK_TARGETS } from "@/lib/contract/webhooks";

export const updateSettingsBody = z
  .object({ teamCreation: z.enum(["everyone", "admins"]).optional(), webhookTargets: z.enum(WEBHOOK_TARGETS).optional() })
  .strict()
  .refine((value) => value.teamCreation !== undefined || value.webhookTargets !== undefined, { message: "name a setting to change", path: ["teamCreation"] });

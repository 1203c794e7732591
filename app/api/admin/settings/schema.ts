import { z } from "zod";

export const updateSettingsBody = z.object({ teamCreation: z.enum(["everyone", "admins"]) }).strict();

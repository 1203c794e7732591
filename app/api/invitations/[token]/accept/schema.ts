import { z } from "zod";
import { passwordSchema } from "@/lib/auth/password-rule";

export const acceptInvitationBody = z.object({ name: z.string().trim().min(1, "must not be empty").max(200), password: passwordSchema });

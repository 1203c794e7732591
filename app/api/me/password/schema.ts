import { z } from "zod";
import { passwordSchema } from "@/lib/auth/password-rule";

export const changePasswordBody = z.object({ currentPassword: z.string().max(1024), newPassword: passwordSchema });

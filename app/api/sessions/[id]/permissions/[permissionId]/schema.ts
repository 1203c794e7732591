import { z } from "zod";
import { PERMISSION_REPLIES } from "@/lib/contract/permissions";

export const permissionReplyBody = z.object({ reply: z.enum(PERMISSION_REPLIES) });

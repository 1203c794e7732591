import { z } from "zod";

export const permissionReplyBody = z.object({ reply: z.enum(["once", "always", "reject"]) });

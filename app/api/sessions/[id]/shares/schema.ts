import { z } from "zod";
import { pathParams } from "@/lib/api/params";

export const createShareBody = z.object({ expiresInDays: z.number().int().min(1).max(90).default(7) }).strict();

export const shareParams = pathParams("id", "shareId");

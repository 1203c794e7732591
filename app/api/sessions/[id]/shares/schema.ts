import { z } from "zod";
import { pathParams } from "@/lib/api/params";
import { pageQuery } from "@/lib/db/keyset";

export const listSharesQuery = pageQuery;

export const createShareBody = z.object({ expiresInDays: z.number().int().min(1).max(90).default(7) }).strict();

export const shareParams = pathParams("id", "shareId");

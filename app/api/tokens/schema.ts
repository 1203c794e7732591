import { z } from "zod";
import { pageQuery } from "@/lib/db/keyset";

export const listTokensQuery = pageQuery;

export const createTokenBody = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100),
  // The page offers 30, 90 and 365 days or none; scripts may pick any whole number of days up to ten years.
  expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
});

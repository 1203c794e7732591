import { z } from "zod";
import { USAGE_GROUPINGS } from "@/lib/contract/usage";

const day = z.iso.date("must be a day, YYYY-MM-DD").transform((value) => new Date(`${value}T00:00:00.000Z`));

// Default: this month so far (UTC).
export const usageQuery = z
  .object({
    from: day.optional(),
    to: day.optional(),
    groupBy: z.enum(USAGE_GROUPINGS).default("day"),
    limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
    format: z.enum(["json", "csv"]).default("json"),
  })
  .transform((query) => {
    const now = new Date();
    const to = query.to ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const from = query.from ?? new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), 1));
    return { ...query, from, to };
  })
  .refine((query) => query.from <= query.to, { message: "must not be after `to`", path: ["from"] })
  .refine((query) => query.to.getTime() - query.from.getTime() <= 366 * 24 * 3600 * 1000, { message: "a report covers at most 366 days", path: ["from"] });

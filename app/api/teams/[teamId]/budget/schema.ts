import { z } from "zod";

const usd = z.number().positive("must be more than 0").max(1_000_000_000).multipleOf(0.01, "at most cents").nullable();

export const budgetBody = z.object({ monthlyUsd: usd, memberMonthlyUsd: usd.optional() }).strict();

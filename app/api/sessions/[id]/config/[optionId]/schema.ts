import { z } from "zod";

export const configValueBody = z.object({ value: z.string().trim().min(1, "must not be empty").max(200) });

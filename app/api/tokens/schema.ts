import { z } from "zod";

export const createTokenBody = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100).refine((value) => !value.includes("\u0000"), "must not contain NUL characters"),
});

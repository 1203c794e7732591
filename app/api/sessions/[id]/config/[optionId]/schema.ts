import { z } from "zod";

// A select option takes one of its values (a string); a boolean option takes true or false.
export const configValueBody = z.object({
  value: z.union([z.string().trim().min(1, "must not be empty").max(200), z.boolean()], { error: "must be a string (select option) or a boolean" }),
});

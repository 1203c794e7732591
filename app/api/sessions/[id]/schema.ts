import { z } from "zod";
import { storedText } from "@/lib/sessions/stored-text";

const setting = storedText().pipe(z.string().min(1, "must not be empty").max(200));

export const patchSessionBody = z
  .object({
    title: storedText().pipe(z.string().min(1, "must not be empty").max(200)).optional(),
    model: setting.optional(),
    mode: setting.optional(),
    thoughtLevel: setting.optional(),
    archived: z.boolean().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "send at least one of title, model, mode, thoughtLevel, archived");

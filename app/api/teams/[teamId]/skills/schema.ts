import { z } from "zod";
import { storedText } from "@/lib/sessions/stored-text";

const text = (max: number) => storedText().pipe(z.string().min(1).max(max));

// The runtime's skills config: where skills come from (e.g. {type:"github", source:"owner/repo", skills:["pdf"]}).
export const putSkillsBody = z
  .object({
    sources: z
      .array(
        z
          .object({
            type: text(50),
            source: text(2000),
            ref: text(200).optional(),
            subpath: text(1000).optional(),
            skills: z.array(text(200)).max(200).optional(),
          })
          .strict(),
      )
      .max(50),
  })
  .strict();

import { z } from "zod";
import { POLICY_ACTIONS, TOOL_KINDS } from "@/lib/contract/policies";

const rule = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, _ and -, at most 40")
      .optional(),
    kind: z.enum(TOOL_KINDS).optional(),
    pattern: z.string().trim().min(1).max(200).optional(),
    action: z.enum(POLICY_ACTIONS),
  })
  .strict()
  .refine((value) => value.kind !== undefined || value.pattern !== undefined, { message: "a rule names a tool kind, a pattern, or both", path: ["kind"] });

export const policyBody = z
  .object({ rules: z.array(rule).max(100) })
  .strict()
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.rules.forEach((entry, index) => {
      if (!entry.id) return;
      if (seen.has(entry.id)) ctx.addIssue({ code: "custom", path: ["rules", index, "id"], message: "is used by another rule" });
      seen.add(entry.id);
    });
  });

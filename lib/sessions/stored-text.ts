import { z } from "zod";
import { isStorableText, UNSTORABLE_MESSAGE } from "@/lib/api/input-rule";

// A string that would be stored or compared in SQL follows the one input rule (lib/api/input-rule.ts:
// no NUL, no lone surrogate); otherwise the query fails and the caller gets a 500 instead of a clear answer.

/** A trimmed string that can be stored: `storedText().min(1)…`. */
export const storedText = () => z.string().trim().refine(isStorableText, UNSTORABLE_MESSAGE);

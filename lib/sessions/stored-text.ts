import { z } from "zod";

// PostgreSQL text cannot hold NUL; a string that would be stored or compared in SQL must not carry
// one (otherwise the query fails and the caller gets a 500 instead of a clear answer).

export const isStorable = (value: string) => !value.includes("\u0000");

/** A trimmed string that can be stored: `storedText().min(1)…`. */
export const storedText = () => z.string().trim().refine(isStorable, "must not contain NUL characters");

import { z } from "zod";

// One password rule, the same at creation, at change and at sign-in: 12–1,024 characters, not only whitespace.

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 1024;

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`)
  .refine((value) => value.trim() !== "", "must not be only whitespace");

export function passwordFitsRule(value: string): boolean {
  return passwordSchema.safeParse(value).success;
}

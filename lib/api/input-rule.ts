import type { FieldError } from "@/lib/errors";

// The one input rule for strings: PostgreSQL cannot store NUL, and a lone UTF-16 surrogate is not
// text at all. Pure, so proxy.ts (paths, queries) and the route wrapper (bodies) share it.

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MESSAGE = "must not contain NUL characters or unpaired surrogates";

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** Every string (values and keys) in a parsed JSON value that breaks the rule, by path. */
export function unstorableStrings(value: unknown, path: string[] = [], found: FieldError[] = []): FieldError[] {
  if (found.length >= 20) return found;
  if (typeof value === "string") {
    if (!isStorableText(value)) found.push({ path: path.join(".") || "(root)", message: MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => unstorableStrings(item, [...path, String(index)], found));
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) found.push({ path: [...path, "(key)"].join("."), message: MESSAGE });
      else unstorableStrings(item, [...path, key], found);
    }
  }
  return found;
}

export type PathProblem = { status: 400 | 422; detail: string } | null;

/** A path whose %-encoding does not decode, or which decodes to text the rule refuses. */
export function pathProblem(rawPathname: string): PathProblem {
  for (const segment of rawPathname.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { status: 400, detail: "The path has malformed percent-encoding." };
    }
    if (!isStorableText(decoded)) return { status: 422, detail: `A path parameter ${MESSAGE}.` };
  }
  return null;
}

/** Query parameters (names and values) that break the rule. */
export function queryProblems(search: URLSearchParams): FieldError[] {
  const found: FieldError[] = [];
  for (const [key, value] of search) {
    if (!isStorableText(key) || !isStorableText(value)) found.push({ path: isStorableText(key) ? key : "(query)", message: MESSAGE });
  }
  return found;
}

/** What a field that breaks the rule is told. */
export const UNSTORABLE_MESSAGE = MESSAGE;

// PostgreSQL's jsonb refuses two things JavaScript strings can hold: NUL (\u0000) and lone UTF-16
// surrogates (an agent or a prompt can carry half an emoji). Either would fail the whole batch it is
// in, again on every retry, and hold up every session's events behind it. JSON.stringify writes both
// as \u escapes (a paired surrogate is written as the character itself), so they are replaced with
// U+FFFD in the JSON text; an escaped backslash is skipped as a pair so `\\u0000` text stays as it is.

const ESCAPE = /\\(\\|u0000|ud[89a-f][0-9a-f]{2})/gi;

/** The JSON text to store, and the value as stored (the payload itself unless something was replaced). */
export function toJsonb(payload: unknown): { json: string; value: unknown } {
  const json = JSON.stringify(payload ?? null);
  if (!json.includes("\\u")) return { json, value: payload ?? null };
  const stored = json.replace(ESCAPE, (match, escaped: string) => (escaped === "\\" ? match : "\\ufffd"));
  return stored === json ? { json, value: payload ?? null } : { json: stored, value: JSON.parse(stored) };
}

// Redaction of shared text: every secret value the portal knows, and anything shaped like one of
// the portal's own credentials or a provider key, becomes "[redacted]" wherever it appears in an
// event (message text, tool input and output, titles). Pure, so it is unit-tested.

export const REDACTED = "[redacted]";

// Shapes of secrets: the portal's tokens (personal, invitation, share, webhook secret) and common
// provider keys. A value shorter than these is not worth the false positives.
const SHAPES = [
  /\b(?:ap|inv|shr|whsec)_[A-Za-z0-9_-]{16,}/g,
  /\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}/g,
  /\b(?:ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
];

/** Known secret values shorter than this are not redacted by value (too likely to hit ordinary text). */
const MIN_SECRET_LENGTH = 8;

export function redactor(knownSecrets: readonly string[]) {
  const values = [...new Set(knownSecrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  const redactText = (text: string) => {
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    for (const shape of SHAPES) out = out.replace(shape, REDACTED);
    return out;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return redactText(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
    return value;
  };
  return walk;
}

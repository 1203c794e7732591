// callbackUrl is taken only when it resolves to the portal's own origin: `/\evil.example`, `/%09/evil`
// and `//evil` all parse to another host and are refused. Pure (the login page and next-auth use it).

const BASE = "http://portal.invalid";

/** A same-origin path (with query and hash), or the fallback. */
export function safeCallbackPath(value: unknown, fallback = "/sessions"): string {
  if (typeof value !== "string" || !value.startsWith("/")) return fallback;
  try {
    const url = new URL(value, BASE);
    if (url.origin !== BASE) return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}

/** next-auth's redirect callback: relative paths and absolute URLs of our own origin only. */
export function sameOriginRedirect(url: string, baseUrl: string): string {
  if (url.startsWith("/")) return `${baseUrl}${safeCallbackPath(url, "/")}`;
  try {
    const target = new URL(url);
    const base = new URL(baseUrl);
    if (target.origin === base.origin) return `${baseUrl}${safeCallbackPath(`${target.pathname}${target.search}${target.hash}`, "/")}`;
  } catch {
    // fall through
  }
  return baseUrl;
}

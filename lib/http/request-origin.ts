// What the request says about where it came from, read from X-Forwarded-* — which lib/http/server-policy.ts
// has already made trustworthy (set by this server, or by a trusted proxy). No server-only: proxy.ts uses it.

export type HeaderSource = { get(name: string): string | null };

/** The client's address: the last X-Forwarded-For entry is the one the nearest trusted hop saw. */
export function clientIp(headers: HeaderSource): string | null {
  const forwarded = headers.get("x-forwarded-for");
  const last = forwarded?.split(",").at(-1)?.trim();
  return last ? last.slice(0, 64) : null;
}

export function isHttps(headers: HeaderSource): boolean {
  return headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

export function requestHost(headers: HeaderSource): string | null {
  return headers.get("x-forwarded-host")?.split(",")[0]?.trim() || headers.get("host");
}

/** The origin the request was made to (scheme and host as this server or a trusted proxy saw them). */
export function requestOrigin(headers: HeaderSource): string {
  return `${isHttps(headers) ? "https" : "http"}://${requestHost(headers) ?? "localhost"}`;
}

/** Whether an `Origin` header names the host the request was made to (the same-origin checks of writes and sockets). */
export function isOriginOf(origin: string, headers: HeaderSource): boolean {
  try {
    return new URL(origin).host === requestHost(headers);
  } catch {
    return false;
  }
}

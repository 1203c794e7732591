"use client";

// The browser's one way to call the portal's API: JSON in, problem+json errors turned into a sentence.

import type { EventJson } from "@/lib/contract/events";
import { isProblemCode, type ProblemCode } from "@/lib/contract/problems";

/** Said after a write refused because the page's copy was out of date (edited_meanwhile); the page then reloads its data. */
export const STALE_PAGE = "The page now shows what is saved: check it and try again.";

/** `code` is the problem's machine-readable code (lib/contract/problems.ts), null when the portal was not reached. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; code: ProblemCode | null; error: string };

export async function apiFetch<T>(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? "GET",
      headers: { ...options.headers, ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch {
    return { ok: false, status: 0, code: null, error: "The portal is unreachable. Check your connection." };
  }
  if (response.status === 204) return { ok: true, data: undefined as T };
  const body = await response.json().catch(() => null);
  if (response.ok) return { ok: true, data: body as T };
  const problem = body as { code?: unknown; detail?: string; errors?: Array<{ path: string; message: string }> } | null;
  const fields = problem?.errors?.map((error) => `${error.path} ${error.message}`).join("; ");
  return {
    ok: false,
    status: response.status,
    code: isProblemCode(problem?.code) ? problem.code : null,
    error: [problem?.detail ?? `Request failed (${response.status}).`, fields].filter(Boolean).join(" "),
  };
}

/**
 * Every item of a keyset-paged list (`{items, nextCursor}`), following `nextCursor` 500 at a time: for
 * lists short by nature that a panel shows whole. Fails as a whole when any page fails.
 */
export async function readWholeList<T>(url: string, { signal }: { signal?: AbortSignal } = {}): Promise<ApiResult<T[]>> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page: ApiResult<{ items: T[]; nextCursor: string | null }> = await apiFetch(`${url}${url.includes("?") ? "&" : "?"}${query}`, { signal });
    if (!page.ok) return page;
    items.push(...page.data.items);
    cursor = page.data.nextCursor;
  } while (cursor);
  return { ok: true, data: items };
}

/** The most events one `/events` request asks for (the API's own limit is higher). */
const EVENT_PAGE = 500;

/**
 * A session's stored events `after`+1 … `after`+`count`, read through `/events` in pages, all pages at
 * once (indexes are contiguous, so each page's start is known). `apiBase`: the session's own API or a
 * share link's. Fails as a whole when any page fails.
 */
export async function readEventRange(
  apiBase: string,
  { after, count, signal }: { after: number; count: number; signal?: AbortSignal },
): Promise<ApiResult<EventJson[]>> {
  const starts = Array.from({ length: Math.ceil(count / EVENT_PAGE) }, (_, page) => after + page * EVENT_PAGE);
  const pages = await Promise.all(
    starts.map((from) => apiFetch<{ items: EventJson[] }>(`${apiBase}/events?after=${from}&limit=${Math.min(EVENT_PAGE, after + count - from)}`, { signal })),
  );
  const items: EventJson[] = [];
  for (const page of pages) {
    if (!page.ok) return page;
    items.push(...page.data.items);
  }
  return { ok: true, data: items };
}

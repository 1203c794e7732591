import Link from "next/link";

/** The link to a list's next page, under it; nothing when the list has no more (`href` null). */
export function Pager({ href, label, testId }: { href: string | null; label: string; testId?: string }) {
  if (!href) return null;
  return (
    <div className="pager">
      <Link className="button ghost" href={href} data-testid={testId}>
        {label} →
      </Link>
    </div>
  );
}

/**
 * The address of one list's next page, on a page with several paged lists (each its own query
 * parameter): the others keep their place. Null when the list has no more.
 */
export function nextPageHref(path: string, cursors: Record<string, string | undefined>, list: string, cursor: string | null, hash = ""): string | null {
  if (!cursor) return null;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(cursors)) if (value && name !== list) query.set(name, value);
  query.set(list, cursor);
  return `${path}?${query}${hash}`;
}

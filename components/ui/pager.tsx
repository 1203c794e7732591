import Link from "next/link";

/**
 * Under a paged list: the link to its next page (`href`), and from any later page the way back to
 * its first (`firstHref`); nothing on a list's only page.
 */
export function Pager({
  href,
  firstHref = null,
  label,
  firstLabel = "First page",
  testId,
}: {
  href: string | null;
  firstHref?: string | null;
  label: string;
  /** Names the list where a page has several, so each way back reads apart. */
  firstLabel?: string;
  testId?: string;
}) {
  if (!href && !firstHref) return null;
  return (
    <div className="pager">
      {firstHref && (
        <Link className="button ghost" href={firstHref} data-testid={testId && `${testId}-first`}>
          ← {firstLabel}
        </Link>
      )}
      {href && (
        <Link className="button ghost" href={href} data-testid={testId}>
          {label} →
        </Link>
      )}
    </div>
  );
}

/**
 * The address of one list's next page, on a page with several paged lists (each its own query
 * parameter): the others keep their place. Null when the list has no more.
 */
export function nextPageHref(path: string, cursors: Record<string, string | undefined>, list: string, cursor: string | null, hash = ""): string | null {
  return cursor ? pageAddress(path, cursors, list, cursor, hash) : null;
}

/** The address of one list's first page, the others keeping their place; null when it is on its first page. */
export function firstPageHref(path: string, cursors: Record<string, string | undefined>, list: string, hash = ""): string | null {
  return cursors[list] ? pageAddress(path, cursors, list, null, hash) : null;
}

function pageAddress(path: string, cursors: Record<string, string | undefined>, list: string, cursor: string | null, hash: string): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(cursors)) if (value && name !== list) query.set(name, value);
  if (cursor) query.set(list, cursor);
  const search = query.toString();
  return `${path}${search ? `?${search}` : ""}${hash}`;
}

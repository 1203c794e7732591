import Link from "next/link";

/**
 * Under a paged list: the link to its next page (`href`), and from any later page the way back to
 * its first (`firstHref`), both from `pageLinks`; nothing on a list's only page.
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

/** Where a list's page stands: what `firstPageUnlessValid` returns (`fromStart`: shown from the start, its cursor not one the list gave out). */
export interface PagePosition {
  nextCursor: string | null;
  fromStart: boolean;
}

/**
 * A Pager's two addresses for one list (`list`: its query parameter; `cursors`: every paged list's on the page, so the
 * others keep their place): `href` its next page, null when it has no more; `firstHref` its first, null on the first page
 * and on one shown from the start because its cursor was forged.
 */
export function pageLinks({
  path,
  cursors,
  list,
  page,
  hash = "",
}: {
  path: string;
  cursors: Record<string, string | undefined>;
  list: string;
  page: PagePosition;
  hash?: string;
}): { href: string | null; firstHref: string | null } {
  return {
    href: page.nextCursor ? pageAddress(path, cursors, list, page.nextCursor, hash) : null,
    firstHref: cursors[list] && !page.fromStart ? pageAddress(path, cursors, list, null, hash) : null,
  };
}

function pageAddress(path: string, cursors: Record<string, string | undefined>, list: string, cursor: string | null, hash: string): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(cursors)) if (value && name !== list) query.set(name, value);
  if (cursor) query.set(list, cursor);
  const search = query.toString();
  return `${path}${search ? `?${search}` : ""}${hash}`;
}

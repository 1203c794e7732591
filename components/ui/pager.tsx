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

import Link from "next/link";

/** The page for a place a person cannot go: not found (404) or not for their role (403), in the app's own look. */
export function StatusPage({ code, title, text, testId = "status-page" }: { code: 403 | 404; title: string; text: string; testId?: string }) {
  return (
    <div className="page narrow">
      <div className="empty status-page" data-testid={testId} data-code={code}>
        <div className="empty-mark" aria-hidden>
          {code}
        </div>
        <h1 className="empty-title">{title}</h1>
        <p className="muted">{text}</p>
        <Link href="/sessions" className="button">
          Back to sessions
        </Link>
      </div>
    </div>
  );
}

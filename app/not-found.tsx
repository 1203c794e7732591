import Link from "next/link";

// An address outside the app's pages: the portal's look, and the way back in.
export default function NotFound() {
  return (
    <div className="app">
      <header className="topbar">
        <Link href="/sessions" className="brand" aria-label="Agent Portal home">
          <span className="brand-mark" aria-hidden>
            ◆
          </span>
          <span className="brand-name">Agent Portal</span>
        </Link>
      </header>
      <main className="content">
        <div className="page narrow">
          <div className="empty status-page" data-testid="not-found" data-code={404}>
            <div className="empty-mark" aria-hidden>
              404
            </div>
            <h1 className="empty-title">Page not found</h1>
            <p className="muted">There is nothing at this address.</p>
            <Link href="/sessions" className="button">
              Back to sessions
            </Link>
          </div>
        </div>
      </main>
    </div>
  );
}

"use client";

// What a page shows when loading it failed unexpectedly (details stay in the server log).
export default function AppError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="page narrow">
      <div className="empty" role="alert">
        <p className="empty-title">This page could not be loaded</p>
        <p className="muted">The portal ran into a problem. Try again; if it keeps happening, the runtime or the database may be down.</p>
        <button type="button" className="button" onClick={reset}>
          Try again
        </button>
      </div>
    </div>
  );
}

import Link from "next/link";

export default function SessionNotFound() {
  return (
    <div className="page narrow">
      <div className="empty" data-testid="session-not-found">
        <p className="empty-title">Session not found</p>
        <p className="muted">It does not exist, or it belongs to a team you are not a member of.</p>
        <Link href="/sessions" className="button">
          Back to sessions
        </Link>
      </div>
    </div>
  );
}

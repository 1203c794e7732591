import Link from "next/link";
import { redirect } from "next/navigation";
import { StatusBadge } from "@/components/ui/status-badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { getCurrentUser } from "@/lib/auth/current-user";
import { db } from "@/lib/db/client";
import { listSessions } from "@/lib/sessions/list";

export const dynamic = "force-dynamic";

export default async function SessionsPage({ searchParams }: { searchParams: Promise<{ q?: string; cursor?: string }> }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { q, cursor } = await searchParams;
  const page = await listSessions({ userId: user.id, q, cursor, limit: 50 });
  const creators = await db().user.findMany({ where: { id: { in: [...new Set(page.items.map((s) => s.createdById))] } }, select: { id: true, email: true, name: true } });
  const creatorName = new Map(creators.map((creator) => [creator.id, creator.email]));

  return (
    <div className="page">
      <div className="page-header">
        <h1>Sessions</h1>
        <form className="search" action="/sessions">
          <input name="q" defaultValue={q ?? ""} placeholder="Search titles and messages" data-testid="session-search" />
        </form>
      </div>
      {page.items.length === 0 ? (
        <div className="empty">
          <p>{q ? `No session matches “${q}”.` : "No sessions yet."}</p>
          <Link href="/sessions/new" className="button primary">
            Start a session
          </Link>
        </div>
      ) : (
        <table className="table" data-testid="session-list">
          <thead>
            <tr>
              <th>Title</th>
              <th>Agent</th>
              <th>Status</th>
              <th>Started by</th>
              <th className="num">Events</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((session) => (
              <tr key={session.id}>
                <td>
                  <Link href={`/sessions/${session.id}`} className="row-link" data-testid="session-link">
                    {session.title}
                  </Link>
                </td>
                <td>{session.agent}</td>
                <td>
                  <StatusBadge status={session.status} />
                </td>
                <td className="muted">{creatorName.get(session.createdById) ?? "—"}</td>
                <td className="num">{session.eventCount.toLocaleString("en")}</td>
                <td className="muted">
                  <RelativeTime iso={session.updatedAt.toISOString()} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.nextCursor && (
        <div className="pager">
          <Link className="button ghost" href={`/sessions?${new URLSearchParams({ ...(q ? { q } : {}), cursor: page.nextCursor })}`}>
            Older sessions →
          </Link>
        </div>
      )}
    </div>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { LiveListRefresh } from "@/components/shell/live-list-refresh";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { RelativeTime } from "@/components/ui/relative-time";
import { StatusBadge } from "@/components/ui/status-badge";
import { displayNames } from "@/lib/accounts/account";
import { getCurrentUser } from "@/lib/auth/current-user";
import { displayStatus, publicStatus, type SessionStatus } from "@/lib/contract/sessions";
import { agentDisplayName } from "@/lib/runtime/agents";
import { firstPageUnlessValid } from "@/lib/db/keyset";
import { listSessions } from "@/lib/sessions/list";
import { pendingPermissionsBySession } from "@/lib/sessions/queries";
import { may } from "@/lib/contract/roles";
import { chosenTeamOf, listTeamsOf } from "@/lib/teams/membership";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sessions" };

const FILTERS: Array<{ status: SessionStatus | null; label: string }> = [
  { status: null, label: "All" },
  { status: "awaiting_input", label: "Needs you" },
  { status: "running", label: "Running" },
  { status: "idle", label: "Idle" },
  { status: "restorable", label: "Restorable" },
  { status: "destroyed", label: "Destroyed" },
];

function hrefFor(params: { teamId?: string; q?: string; status?: string | null; cursor?: string; archived?: boolean }) {
  const search = new URLSearchParams();
  if (params.teamId) search.set("teamId", params.teamId);
  if (params.q) search.set("q", params.q);
  if (params.status) search.set("status", params.status);
  if (params.archived) search.set("archived", "only");
  if (params.cursor) search.set("cursor", params.cursor);
  const query = search.toString();
  return query ? `/sessions?${query}` : "/sessions";
}

export default async function SessionsPage({
  searchParams,
}: {
  searchParams: Promise<{ teamId?: string; q?: string; cursor?: string; status?: string; archived?: string }>;
}) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const { teamId: askedTeam, q: rawQuery, cursor, status: rawStatus, archived: rawArchived } = await searchParams;
  const archived = rawArchived === "only";
  const q = rawQuery?.trim() || undefined;
  // An unknown status in the address shows everything rather than an error page.
  const status = FILTERS.find((filter) => filter.status === rawStatus)?.status ?? undefined;
  // The list shows the team the address names (`?teamId=`, a link from that team's pages), else the one
  // chosen in the top bar (all teams until one is chosen). Another team's id is not found, as everywhere.
  const [chosen, teams] = await Promise.all([chosenTeamOf(user.id), listTeamsOf(user.id)]);
  if (askedTeam && !teams.some((candidate) => candidate.id === askedTeam)) notFound();
  const teamId = askedTeam ?? chosen ?? undefined;
  const team = teams.find((candidate) => candidate.id === teamId);
  const answerable = new Set(teams.filter((candidate) => may(candidate.role, "work")).map((candidate) => candidate.id));
  const page = await firstPageUnlessValid(cursor, (from) =>
    // Each filter lists what its badge shows: a stopped session that resumes on the next prompt is Idle.
    listSessions({ userId: user.id, teamId, q, status, statusAsShown: true, cursor: from, limit: 50, archived: archived ? "only" : "exclude" }),
  );
  const pending = await pendingPermissionsBySession(page.items.map((session) => session.id));
  const creatorName = await displayNames(page.items.map((session) => session.createdById));
  creatorName.set(user.id, "You");
  const filtered = Boolean(q || status || archived);
  const shownStatus = (session: (typeof page.items)[number]) => publicStatus(session.status, pending.get(session.id)?.length ?? 0);
  const shown = Object.fromEntries(
    page.items.map((session) => [session.id, `${shownStatus(session)}|${session.archivedAt?.toISOString() ?? ""}|${session.title}`]),
  );

  return (
    <div className="page">
      <LiveListRefresh teamId={teamId ?? null} shown={shown} />
      <PageHeader
        title="Sessions"
        subtitle={team ? `The agent sessions of ${team.name}, newest first.` : "Every agent session of your teams, newest first."}
        actions={
          <form className="search" action="/sessions" role="search">
            {askedTeam && <input type="hidden" name="teamId" value={askedTeam} />}
            {status && <input type="hidden" name="status" value={status} />}
            <input
              type="search"
              name="q"
              defaultValue={q ?? ""}
              placeholder="Search titles and messages"
              aria-label="Search sessions"
              data-testid="session-search"
            />
          </form>
        }
      />
      <nav className="filters" aria-label="Filter by status">
        {FILTERS.map((filter) => (
          <Link
            key={filter.label}
            href={hrefFor({ teamId: askedTeam, q, status: filter.status, archived })}
            className={`filter${(status ?? null) === filter.status ? " active" : ""}`}
            aria-current={(status ?? null) === filter.status ? "page" : undefined}
            data-testid={`filter-${filter.status ?? "all"}`}
          >
            {filter.label}
          </Link>
        ))}
        <Link
          href={hrefFor({ teamId: askedTeam, q, status, archived: !archived })}
          className={`filter${archived ? " active" : ""}`}
          aria-current={archived ? "page" : undefined}
          data-testid="filter-archived"
        >
          {archived ? "Archived ✓" : "Archived"}
        </Link>
      </nav>
      {page.items.length === 0 ? (
        <div className="empty" data-testid="sessions-empty">
          {filtered ? (
            <>
              <p className="empty-title">No sessions match</p>
              <p className="muted">
                {q
                  ? `Nothing found for “${q}”${status ? ` among ${status.replace("_", " ")} sessions` : ""}.`
                  : archived
                    ? "No archived sessions."
                    : `There are no ${status?.replace("_", " ")} sessions.`}
              </p>
              <Link href="/sessions" className="button">
                Clear filters
              </Link>
            </>
          ) : (
            <>
              <div className="empty-mark" aria-hidden>
                ◆
              </div>
              <p className="empty-title">No sessions yet</p>
              <p className="muted">
                {team ? `${team.name} has no sessions yet. ` : ""}Start a session to put a coding agent to work. Everyone in your team can watch it live and
                pick up where it left off.
              </p>
              <Link href="/sessions/new" className="button primary">
                Start your first session
              </Link>
            </>
          )}
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="session-list">
            <thead>
              <tr>
                <th>Session</th>
                <th>Status</th>
                <th className="hide-narrow">Started by</th>
                <th className="num hide-narrow">Updated</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((session) => {
                const status = shownStatus(session);
                return (
                  <tr key={session.id} data-testid="session-row" data-status={status} data-session-id={session.id}>
                    <td>
                      {/* The link covers the whole row (CSS), so any part of it opens the session. */}
                      <Link href={`/sessions/${session.id}`} className="row-link session-row-link" data-testid="session-link">
                        {session.title}
                      </Link>
                      <div className="muted small">{agentDisplayName(session.agent)}</div>
                    </td>
                    <td>
                      <StatusBadge status={displayStatus(status, session.lastStopReason)} canAnswer={answerable.has(session.teamId)} />
                    </td>
                    <td className="muted hide-narrow">{creatorName.get(session.createdById) ?? "—"}</td>
                    <td className="num muted hide-narrow">
                      <RelativeTime iso={session.updatedAt.toISOString()} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        href={page.nextCursor ? hrefFor({ teamId: askedTeam, q, status, archived, cursor: page.nextCursor }) : null}
        firstHref={cursor && !page.fromStart ? hrefFor({ teamId: askedTeam, q, status, archived }) : null}
        label="Older sessions"
        firstLabel="Newest sessions"
        testId="sessions-pager"
      />
    </div>
  );
}

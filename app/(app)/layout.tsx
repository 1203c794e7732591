import Link from "next/link";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { NavLink } from "@/components/nav-link";
import { RuntimeBanner } from "@/components/runtime-banner";
import { AttentionProvider, InboxLink } from "@/components/shell/attention";
import { CurrentTeamProvider } from "@/components/shell/current-team";
import { TeamSwitcher } from "@/components/shell/team-switcher";
import { UserMenu } from "@/components/shell/user-menu";
import { RenderTimeProvider } from "@/components/ui/relative-time";
import { getCurrentUser } from "@/lib/auth/current-user";
import { countMyInvitations } from "@/lib/teams/invitations";
import { chosenTeamOf, listTeamsOf } from "@/lib/teams/membership";
import { parseTheme, THEME_COOKIE } from "@/lib/theme";
import "./manage.css";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const initial = (user.name || user.email).slice(0, 1).toUpperCase();
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  const [invitations, teams, currentTeamId] = await Promise.all([countMyInvitations({ email: user.email }), listTeamsOf(user.id), chosenTeamOf(user.id)]);
  // A server component renders once per request: this is the request's time, which client
  // components use for relative times so that hydration does not change them.
  // eslint-disable-next-line react-hooks/purity
  const now = Date.now();
  return (
    <RenderTimeProvider now={now}>
      <CurrentTeamProvider teams={teams} currentTeamId={currentTeamId}>
        <AttentionProvider renderedAt={now}>
          <div className="app">
            <header className="topbar">
              <Link href="/sessions" className="brand" aria-label="Agent Portal home">
                <span className="brand-mark" aria-hidden>
                  ◆
                </span>
                <span className="brand-name">Agent Portal</span>
              </Link>
              {teams.length > 0 && <TeamSwitcher />}
              <nav className="topnav" aria-label="Main">
                <NavLink href="/sessions">Sessions</NavLink>
                <NavLink href="/inbox">
                  <InboxLink />
                </NavLink>
                {/* On a phone these two live in the account menu: the bar keeps what fits in 360 px. */}
                <NavLink href="/teams" className="nav-secondary">
                  Teams
                </NavLink>
                {user.isInstanceAdmin && (
                  <NavLink href="/admin" className="nav-secondary">
                    Admin
                  </NavLink>
                )}
              </nav>
              <Link href="/sessions/new" className="button primary small new-session-link" data-testid="new-session-link" aria-label="New session">
                <span aria-hidden>+</span>
                <span className="new-session-label">New session</span>
              </Link>
              <UserMenu email={user.email} initial={initial} theme={theme} isInstanceAdmin={user.isInstanceAdmin} />
            </header>
            <RuntimeBanner />
            <main className="content">
              {invitations > 0 && (
                <div className="banner inline info invitations-banner" data-testid="invitations-banner">
                  <span>You have {invitations === 1 ? "an invitation" : `${invitations} invitations`} to join a team.</span>
                  <Link href="/teams">Accept or decline</Link>
                </div>
              )}
              {children}
            </main>
          </div>
        </AttentionProvider>
      </CurrentTeamProvider>
    </RenderTimeProvider>
  );
}

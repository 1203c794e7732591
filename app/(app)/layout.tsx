import Link from "next/link";
import { redirect } from "next/navigation";
import { NavLink } from "@/components/nav-link";
import { RuntimeBanner } from "@/components/runtime-banner";
import { SignOutButton } from "@/components/sign-out-button";
import { getCurrentUser } from "@/lib/auth/current-user";
import { listMyInvitations } from "@/lib/teams/invitations";
import "./manage.css";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  const initial = (user.name || user.email).slice(0, 1).toUpperCase();
  const invitations = (await listMyInvitations({ email: user.email })).items.length;
  return (
    <div className="app">
      <header className="topbar">
        <Link href="/sessions" className="brand">
          <span className="brand-mark" aria-hidden>
            ◆
          </span>
          Agent Portal
        </Link>
        <nav className="topnav">
          <NavLink href="/sessions">Sessions</NavLink>
          <NavLink href="/teams">Teams</NavLink>
          <NavLink href="/settings/tokens">Tokens</NavLink>
          <NavLink href="/account">Account</NavLink>
          {user.isInstanceAdmin && <NavLink href="/admin">Admin</NavLink>}
        </nav>
        <Link href="/sessions/new" className="button primary small" data-testid="new-session-link">
          <span aria-hidden>+</span> New session
        </Link>
        <div className="topbar-user">
          <span className="user-avatar" aria-hidden>
            {initial}
          </span>
          <span className="user-email" data-testid="current-user">
            {user.email}
          </span>
          <SignOutButton />
        </div>
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
  );
}

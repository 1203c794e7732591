import Link from "next/link";
import { redirect } from "next/navigation";
import { RuntimeBanner } from "@/components/runtime-banner";
import { SignOutButton } from "@/components/sign-out-button";
import { getCurrentUser } from "@/lib/auth/current-user";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  return (
    <div className="app">
      <header className="topbar">
        <Link href="/sessions" className="brand">
          <span className="brand-mark">◆</span> Agent Portal
        </Link>
        <nav className="topnav">
          <Link href="/sessions">Sessions</Link>
          <Link href="/sessions/new" className="button primary small" data-testid="new-session-link">
            New session
          </Link>
        </nav>
        <div className="topbar-user">
          <span className="muted" data-testid="current-user">
            {user.email}
          </span>
          <SignOutButton />
        </div>
      </header>
      <RuntimeBanner />
      <main className="content">{children}</main>
    </div>
  );
}

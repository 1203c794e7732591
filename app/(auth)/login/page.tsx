import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { getCurrentUser } from "@/lib/auth/current-user";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  const target = safeCallbackPath(callbackUrl);
  if (await getCurrentUser()) redirect(target);
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden>
            ◆
          </span>
          Agent Portal
        </div>
        <h1 className="auth-title">Sign in</h1>
        <p className="muted auth-lead">Run and watch your team&apos;s coding agents.</p>
        <LoginForm callbackUrl={target} />
        <p className="muted small auth-foot">No account? Ask an admin of your team for an invitation link.</p>
      </div>
    </main>
  );
}

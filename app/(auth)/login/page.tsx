import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { getCurrentUser } from "@/lib/auth/current-user";

export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  const target = callbackUrl?.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/sessions";
  if (await getCurrentUser()) redirect(target);
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand brand-large">
          <span className="brand-mark">◆</span> Agent Portal
        </div>
        <p className="muted">Sign in to run and watch your team&apos;s coding agents.</p>
        <LoginForm callbackUrl={target} />
      </div>
    </main>
  );
}

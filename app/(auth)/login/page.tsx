import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { SsoButton } from "@/components/sso-button";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { getCurrentUser } from "@/lib/auth/current-user";
import { readLinkToken } from "@/lib/auth/oidc";
import { ssoConfig } from "@/lib/auth/sso-config";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

// What an SSO sign-in that did not go through is told (lib/auth/oidc.ts); anything else next-auth reports is one sentence.
const SSO_ERRORS: Record<string, string> = {
  sso_domain: "Your organisation's accounts cannot sign up here. Ask an admin of the portal for an invitation.",
  sso_disabled: "This account is disabled.",
  sso_email: "Your identity provider did not give a verified email address.",
  sso_link: "An account with your email already exists. Sign in with its password once to link single sign-on to it.",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string; link?: string }> }) {
  const { callbackUrl, error, link } = await searchParams;
  const target = safeCallbackPath(callbackUrl);
  if (await getCurrentUser()) redirect(target);
  const sso = await ssoConfig();
  const linking = error === "sso_link" && readLinkToken(link) ? link : undefined;
  const message = error ? (SSO_ERRORS[error] ?? "Sign-in did not work. Try again.") : null;
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
        {message && (
          <p className={linking ? "banner inline info" : "form-error"} role="alert" data-testid="sso-error" data-error={error}>
            {message}
          </p>
        )}
        {sso && !linking && (
          <>
            <SsoButton name={sso.name} callbackUrl={target} />
            <p className="muted small auth-or">or with your email and password</p>
          </>
        )}
        <LoginForm callbackUrl={target} link={linking} />
        <p className="muted small auth-foot">No account? Ask an admin of your team for an invitation link.</p>
      </div>
    </main>
  );
}

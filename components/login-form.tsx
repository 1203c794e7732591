"use client";

import { useRouter } from "next/navigation";
import { useFormSubmit } from "@/components/use-form-submit";

// Signs in through next-auth's credentials endpoint directly (not next-auth/react's signIn), so a
// throttled attempt's 429 and Retry-After reach the page and it can say when to try again.

export async function postCredentials(email: string, password: string, link?: string): Promise<{ status: number; retryAfter: number | null }> {
  const { csrfToken } = (await (await fetch("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await fetch("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, email, password, json: "true", ...(link ? { link } : {}) }),
  });
  const retryAfter = Number(response.headers.get("retry-after"));
  return { status: response.status, retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null };
}

export function waitText(seconds: number): string {
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

/** `link`: an SSO identity waiting to be linked to this account once its password is proven. */
export function LoginForm({ callbackUrl, link }: { callbackUrl: string; link?: string }) {
  const router = useRouter();
  const { error, pending, onSubmit } = useFormSubmit(async (form) => {
    let result: Awaited<ReturnType<typeof postCredentials>> | null;
    try {
      result = await postCredentials(String(form.get("email") ?? ""), String(form.get("password") ?? ""), link);
    } catch {
      result = null;
    }
    // Which part was wrong is never said; anything but a refusal is the portal's fault, not theirs.
    if (!result) return "Sign-in is not possible right now. Try again in a moment.";
    if (result.status === 429) return `Too many sign-in attempts. Try again in ${waitText(result.retryAfter ?? 60)}.`;
    if (result.status === 401 || result.status === 422) return "Wrong email or password.";
    if (result.status !== 200) return "Sign-in is not possible right now. Try again in a moment.";
    router.replace(callbackUrl);
    router.refresh();
    return null;
  });

  return (
    <form onSubmit={onSubmit} className="stack" data-testid="login-form">
      <label className="field">
        <span>Email</span>
        <input name="email" type="email" autoComplete="username" required autoFocus data-testid="login-email" />
      </label>
      <label className="field">
        <span>Password</span>
        <input name="password" type="password" autoComplete="current-password" required data-testid="login-password" />
      </label>
      {error && (
        <p className="form-error" role="alert" aria-live="assertive" data-testid="login-error">
          {error}
        </p>
      )}
      <button type="submit" className="button primary" disabled={pending} data-testid="login-submit">
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

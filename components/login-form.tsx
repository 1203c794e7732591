"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useFormSubmit } from "@/components/use-form-submit";

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const router = useRouter();
  const { error, pending, onSubmit } = useFormSubmit(async (form) => {
    let result: Awaited<ReturnType<typeof signIn>>;
    try {
      result = await signIn("credentials", { email: form.get("email"), password: form.get("password"), redirect: false });
    } catch {
      result = undefined;
    }
    if (!result || result.error) {
      // Which part was wrong is never said; anything but a refusal is the portal's fault, not theirs.
      return !result || (result.status !== 401 && result.error !== "CredentialsSignin") ? "Sign-in is not possible right now. Try again in a moment." : "Wrong email or password.";
    }
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

"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";

/** Single sign-on through the configured OIDC provider (next-auth posts the CSRF token and redirects). */
export function SsoButton({ name, callbackUrl }: { name: string; callbackUrl: string }) {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      className="button auth-sso"
      disabled={pending}
      onClick={() => {
        setPending(true);
        void signIn("oidc", { callbackUrl });
      }}
      data-testid="sso-button"
    >
      {pending ? "Redirecting…" : `Sign in with ${name}`}
    </button>
  );
}

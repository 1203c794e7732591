"use client";

import { useRouter } from "next/navigation";
import { apiFetch } from "@/components/api-client";
import { postCredentials } from "@/components/login-form";
import { useFormSubmit } from "@/components/use-form-submit";

/** A new person accepts an invitation: the account is made, then they are signed in. */
export function InviteAcceptForm({ token, email }: { token: string; email: string }) {
  const router = useRouter();
  const { error, pending, onSubmit } = useFormSubmit(async (form) => {
    const password = String(form.get("password") ?? "");
    const accepted = await apiFetch(`/api/invitations/${encodeURIComponent(token)}/accept`, { method: "POST", body: { name: form.get("name"), password } });
    if (!accepted.ok) return accepted.error;
    const signedIn = await postCredentials(email, password).catch(() => null);
    router.replace(signedIn?.status === 200 ? "/sessions" : "/login");
    router.refresh();
    return null;
  });
  return (
    <form onSubmit={onSubmit} className="stack" data-testid="invite-accept-form">
      <label className="field">
        <span>Your name</span>
        <input name="name" required maxLength={200} autoComplete="name" data-testid="invite-name" />
      </label>
      <label className="field">
        <span>Password (12 characters or more)</span>
        <input name="password" type="password" required minLength={12} maxLength={1024} autoComplete="new-password" data-testid="invite-password" />
      </label>
      {error && (
        <p className="form-error" role="alert" data-testid="invite-error">
          {error}
        </p>
      )}
      <button type="submit" className="button primary" disabled={pending} data-testid="invite-accept">
        {pending ? "Joining…" : "Join the team"}
      </button>
    </form>
  );
}

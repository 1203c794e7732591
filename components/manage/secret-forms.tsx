"use client";

import { useState } from "react";
import { ApiForm } from "@/components/manage/api-form";
import { CopySecret } from "@/components/manage/copy-secret";
import type { Role } from "@/lib/contract/roles";

/** Invite an email with a role (`grantable`: the roles this person may give, weakest first); the one-time link is shown once. */
export function InviteForm({ teamId, grantable }: { teamId: string; grantable: Role[] }) {
  const [link, setLink] = useState<string | null>(null);
  return (
    <div className="stack">
      <ApiForm<{ url: string }>
        method="POST"
        url={`/api/teams/${teamId}/invitations`}
        toBody={(form) => ({ email: form.get("email"), role: form.get("role") })}
        submitLabel="Create invitation link"
        onDone={(data) => setLink(data.url)}
        testId="invite-form"
      >
        <label className="field">
          <span>Email</span>
          <input name="email" type="email" required maxLength={320} data-testid="invite-email" />
        </label>
        <label className="field">
          <span>Role</span>
          <select name="role" defaultValue="member" data-testid="invite-role">
            {grantable.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
      </ApiForm>
      {link && (
        <CopySecret value={link} note="Send this link to the person yourself: it works once, for 7 days, and is not shown again." testId="invite-link" />
      )}
    </div>
  );
}

/** Create a personal token with an optional expiry; the token is shown once. */
export function TokenForm() {
  const [token, setToken] = useState<string | null>(null);
  return (
    <div className="stack">
      <ApiForm<{ token: string }>
        method="POST"
        url="/api/tokens"
        toBody={(form) => ({ name: form.get("name"), expiresInDays: form.get("expiry") === "none" ? null : Number(form.get("expiry")) })}
        submitLabel="Create token"
        onDone={(data) => setToken(data.token)}
        testId="token-form"
      >
        <label className="field">
          <span>Name</span>
          <input name="name" required maxLength={100} placeholder="e.g. CI on my laptop" data-testid="token-name" />
        </label>
        <label className="field">
          <span>Expires</span>
          <select name="expiry" defaultValue="90" data-testid="token-expiry">
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in 365 days</option>
            <option value="none">never</option>
          </select>
        </label>
      </ApiForm>
      {token && <CopySecret value={token} note="Copy the token now: it is shown only once. Send it as Authorization: Bearer <token>." testId="token-secret" />}
    </div>
  );
}

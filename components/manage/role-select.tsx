"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/api-client";

/** Changes a member's role at once; disabled with the reason when the caller may not change it. */
export function RoleSelect({
  teamId,
  userId,
  role,
  options,
  disabledReason,
}: {
  teamId: string;
  userId: string;
  role: string;
  options: string[];
  disabledReason?: string;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function change(next: string) {
    setPending(true);
    setError(null);
    const result = await apiFetch(`/api/teams/${teamId}/members/${userId}`, { method: "PATCH", body: { role: next } });
    setPending(false);
    if (!result.ok) setError(result.error);
    router.refresh();
  }
  return (
    <span className="manage-action">
      <select
        aria-label="Role"
        defaultValue={role}
        disabled={pending || Boolean(disabledReason)}
        title={disabledReason}
        onChange={(event) => change(event.target.value)}
        data-testid="member-role"
      >
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
      {disabledReason && <span className="muted small manage-why">{disabledReason}</span>}
      {error && (
        <span className="form-error manage-inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

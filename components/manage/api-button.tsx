"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch, STALE_PAGE } from "@/components/api-client";

/**
 * A button that makes one API call and refreshes the page's server data when it worked, or when it
 * was refused because that data was out of date (edited_meanwhile).
 */
export function ApiButton({
  method,
  url,
  headers,
  body,
  label,
  pendingLabel,
  confirm,
  className = "button small",
  disabledReason,
  testId,
  after,
  reasonShown = true,
}: {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  label: string;
  pendingLabel?: string;
  confirm?: string;
  className?: string;
  /** When set the control is disabled and says why (e.g. the last owner). */
  disabledReason?: string;
  testId?: string;
  /** Where to go afterwards instead of refreshing (e.g. the sign-in page). */
  after?: string;
  /** False when a neighbouring control already says the same reason (the tooltip keeps it). */
  reasonShown?: boolean;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run() {
    if (confirm && !window.confirm(confirm)) return;
    setPending(true);
    setError(null);
    const result = await apiFetch(url, { method, headers, body });
    setPending(false);
    if (!result.ok) {
      if (result.code !== "edited_meanwhile") return setError(result.error);
      setError(`${result.error} ${STALE_PAGE}`);
      router.refresh();
      return;
    }
    if (after) window.location.assign(after);
    else router.refresh();
  }
  return (
    <span className="manage-action">
      <button type="button" className={className} onClick={run} disabled={pending || Boolean(disabledReason)} title={disabledReason} data-testid={testId}>
        {pending ? (pendingLabel ?? "Working…") : label}
      </button>
      {disabledReason && reasonShown && <span className="muted small manage-why">{disabledReason}</span>}
      {error && (
        <span className="form-error manage-inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

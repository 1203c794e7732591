"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch, STALE_PAGE } from "@/components/api-client";

/**
 * A form that sends its fields to one API endpoint. `toBody` shapes the JSON; `onDone` sees the
 * answer (to show a secret once); otherwise the page's server data is refreshed. A write refused
 * because the page was out of date (edited_meanwhile) refreshes it too and keeps what was typed.
 */
export function ApiForm<T>({
  method,
  url,
  headers,
  toBody,
  submitLabel,
  children,
  onDone,
  resetOnDone = true,
  testId,
  className = "manage-form",
}: {
  method: string;
  url: string;
  headers?: Record<string, string>;
  toBody: (form: FormData) => unknown;
  submitLabel: string;
  children: React.ReactNode;
  /** Sees the answer before the page's data is refreshed (awaited when it returns a promise). */
  onDone?: (data: T) => void | Promise<void>;
  resetOnDone?: boolean;
  testId?: string;
  className?: string;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    setPending(true);
    setError(null);
    setDone(false);
    const result = await apiFetch<T>(url, { method, headers, body: toBody(new FormData(formElement)) });
    setPending(false);
    if (!result.ok) {
      if (result.code !== "edited_meanwhile") return setError(result.error);
      setError(`${result.error} ${STALE_PAGE}`);
      router.refresh();
      return;
    }
    if (resetOnDone) formElement.reset();
    setDone(true);
    await onDone?.(result.data);
    router.refresh();
  }
  return (
    <form onSubmit={onSubmit} className={className} data-testid={testId}>
      {children}
      <div className="manage-form-actions">
        <button type="submit" className="button primary small" disabled={pending} data-testid={testId ? `${testId}-submit` : undefined}>
          {pending ? "Working…" : submitLabel}
        </button>
        {done && !onDone && (
          <span className="muted small" role="status">
            Saved.
          </span>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </p>
      )}
    </form>
  );
}

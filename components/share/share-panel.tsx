"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch, readWholeList } from "@/components/api-client";
import { CopySecret } from "@/components/manage/copy-secret";

// A session's read-only share links, in its details: make one (the link is shown once), see how
// often each was opened, revoke it.

interface Share {
  id: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  openCount: number;
  active: boolean;
}

export function SharePanel({ sessionId, canWrite }: { sessionId: string; canWrite: boolean }) {
  const [shares, setShares] = useState<Share[] | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [days, setDays] = useState("7");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const load = useCallback(async () => {
    // Every page: the panel shows the working links, which may sit behind newer revoked or expired ones.
    const result = await readWholeList<Share>(`/api/sessions/${sessionId}/shares`);
    if (result.ok) setShares(result.data);
  }, [sessionId]);
  useEffect(() => void load(), [load]);

  async function create() {
    setPending(true);
    setError(null);
    const result = await apiFetch<{ url: string }>(`/api/sessions/${sessionId}/shares`, { method: "POST", body: { expiresInDays: Number(days) } });
    setPending(false);
    if (!result.ok) return setError(result.error);
    setLink(result.data.url);
    await load();
  }

  async function revoke(id: string) {
    const result = await apiFetch(`/api/sessions/${sessionId}/shares/${id}`, { method: "DELETE" });
    if (!result.ok) setError(result.error);
    await load();
  }

  const active = shares?.filter((share) => share.active) ?? [];
  return (
    <section className="side-section" data-testid="share-panel">
      <h2>Share read-only</h2>
      <p className="muted small">Anyone with the link sees this transcript, live, and nothing else; known secrets are redacted.</p>
      {canWrite && (
        <div className="manage-inline">
          <label className="field">
            <span>Valid for</span>
            <select value={days} onChange={(event) => setDays(event.target.value)} data-testid="share-days">
              <option value="1">1 day</option>
              <option value="7">7 days</option>
              <option value="30">30 days</option>
            </select>
          </label>
          <button type="button" className="button small" onClick={create} disabled={pending} data-testid="share-create">
            {pending ? "Creating…" : "Create link"}
          </button>
        </div>
      )}
      {link && <CopySecret value={link} note="Copy the link now: it is not shown again." testId="share-link" />}
      {error && (
        <p className="banner inline error small" role="alert">
          {error}
        </p>
      )}
      {active.length > 0 && (
        <ul className="manage-list small" data-testid="share-list">
          {active.map((share) => (
            <li key={share.id} data-testid="share-row">
              Opened {share.openCount} {share.openCount === 1 ? "time" : "times"} · until {share.expiresAt.slice(0, 10)}{" "}
              {canWrite && (
                <button type="button" className="link-button" onClick={() => void revoke(share.id)} data-testid="share-revoke">
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { useAttention } from "@/components/shell/attention";
import { RelativeTime } from "@/components/ui/relative-time";
import { replyForKind, type InboxItemJson, type PermissionReply } from "@/lib/contract/permissions";

/** The inbox, answerable in place; it re-reads itself whenever the live count says something changed. */
export function InboxList({
  initial,
  initialCursor,
  answerableTeams,
  teamId,
  pageSize,
}: {
  initial: InboxItemJson[];
  initialCursor: string | null;
  answerableTeams: string[];
  teamId: string | null;
  pageSize: number;
}) {
  const scope = teamId ? `&teamId=${encodeURIComponent(teamId)}` : "";
  const [items, setItems] = useState(initial);
  const [cursor, setCursor] = useState(initialCursor);
  const [error, setError] = useState<string | null>(null);
  const [answering, setAnswering] = useState<string | null>(null);
  const { count, items: liveItems } = useAttention();
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    void apiFetch<{ items: InboxItemJson[]; nextCursor: string | null }>(`/api/permissions?limit=${pageSize}${scope}`).then((result) => {
      if (!result.ok) return;
      setItems(result.data.items);
      setCursor(result.data.nextCursor);
    });
  }, [count, liveItems, pageSize, scope]);

  async function answer(item: InboxItemJson, reply: PermissionReply) {
    setAnswering(item.id);
    setError(null);
    const result = await apiFetch(`/api/sessions/${item.sessionId}/permissions/${item.id}`, { method: "POST", body: { reply } });
    setAnswering(null);
    if (!result.ok) setError(result.error);
    // Answered here or already elsewhere (409): either way it no longer waits.
    if (result.ok || result.status === 409) setItems((current) => current.filter((candidate) => candidate.id !== item.id));
  }

  async function more() {
    if (!cursor) return;
    const result = await apiFetch<{ items: InboxItemJson[]; nextCursor: string | null }>(
      `/api/permissions?limit=${pageSize}&cursor=${encodeURIComponent(cursor)}${scope}`,
    );
    if (!result.ok) return setError(result.error);
    setItems((current) => [...current, ...result.data.items.filter((item) => !current.some((known) => known.id === item.id))]);
    setCursor(result.data.nextCursor);
  }

  if (items.length === 0) {
    return (
      <div className="empty" data-testid="inbox-empty">
        <div className="empty-mark" aria-hidden>
          ✓
        </div>
        <p className="empty-title">Nothing waits for you</p>
        <p className="muted">When an agent asks for a permission in one of your teams, it shows up here and in the top bar.</p>
      </div>
    );
  }
  return (
    <div className="stack">
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <ul className="inbox" data-testid="inbox-list">
        {items.map((item) => {
          const canAnswer = answerableTeams.includes(item.teamId);
          return (
            <li key={item.id} className="inbox-item" data-testid="inbox-item" data-session-id={item.sessionId}>
              <div className="inbox-head">
                <span className="kind-chip">{item.toolCall.kind || "tool"}</span>
                <strong className="inbox-title">{item.toolCall.title || "A tool call"}</strong>
              </div>
              <p className="muted small inbox-meta">
                <Link href={`/sessions/${item.sessionId}`} className="inbox-session" data-testid="inbox-session-link">
                  {item.sessionTitle}
                </Link>
                {" · "}
                {item.teamName} · waiting since <RelativeTime iso={item.createdAt} />
              </p>
              {item.toolCall.rawInput !== undefined && (
                <pre className="tool-output" tabIndex={0}>
                  {JSON.stringify(item.toolCall.rawInput, null, 2)}
                </pre>
              )}
              {canAnswer ? (
                <div className="row">
                  {item.options.map((option) => {
                    const reply = replyForKind(option.kind);
                    if (!reply) return null;
                    return (
                      <button
                        key={option.optionId}
                        type="button"
                        className={`button small ${reply === "once" ? "primary" : reply === "reject" ? "ghost" : ""}`}
                        disabled={answering === item.id}
                        onClick={() => void answer(item, reply)}
                        data-testid={`inbox-${reply}`}
                      >
                        {option.name}
                      </button>
                    );
                  })}
                </div>
              ) : (
                <p className="muted small" data-testid="inbox-waiting-member">
                  Waiting for a member of {item.teamName} to answer.
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {cursor && (
        <div className="pager">
          <button type="button" className="button ghost" onClick={() => void more()}>
            Older requests →
          </button>
        </div>
      )}
    </div>
  );
}

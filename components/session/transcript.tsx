"use client";

import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { Markdown } from "@/components/session/markdown";
import type { TranscriptItem } from "@/components/session/transcript-model";

export type PermissionReply = "once" | "always" | "reject";
type Answer = (permissionId: string, reply: PermissionReply) => Promise<boolean>;

const REPLY_FOR_KIND: Record<string, PermissionReply> = { allow_once: "once", allow_always: "always", reject_once: "reject" };

const STOP_LABEL: Record<string, string> = {
  end_turn: "Turn complete",
  cancelled: "Stopped",
  interrupted: "Interrupted: the runtime went away",
  max_tokens: "Stopped at the token limit",
  max_turn_requests: "Stopped at the request limit",
  refusal: "The agent refused",
  error: "The turn failed",
};

export interface TranscriptProps {
  items: TranscriptItem[];
  loading: boolean;
  running: boolean;
  openMessageKey: string | null;
  agentName: string;
  canAnswer: boolean;
  onAnswer: Answer;
  empty?: React.ReactNode;
}

// Rows are memoised on their item object: the reducer replaces only the item an event changed, so a
// streamed chunk re-renders one row, never the whole transcript.
export const Transcript = memo(function Transcript({ items, loading, running, openMessageKey, agentName, canAnswer, onAnswer, empty }: TranscriptProps) {
  const container = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [behind, setBehind] = useState(false);

  const scrollToEnd = useCallback(() => {
    const el = container.current;
    if (el) el.scrollTop = el.scrollHeight;
    stick.current = true;
    setBehind(false);
  }, []);

  useLayoutEffect(() => {
    if (stick.current) {
      const el = container.current;
      if (el) el.scrollTop = el.scrollHeight;
    } else {
      setBehind(true);
    }
  }, [items]);

  useEffect(() => {
    if (!loading) scrollToEnd();
  }, [loading, scrollToEnd]);

  const last = items.at(-1);
  // Something is happening that shows nothing yet (a sleep, a tool, the first token): say so.
  const waiting = running && !(last?.kind === "agent" && last.key === openMessageKey) && !(last?.kind === "permission" && last.state === "pending");

  return (
    <div className="transcript-frame">
      <div
        className="transcript"
        ref={container}
        data-testid="transcript"
        aria-live="polite"
        aria-busy={running}
        onScroll={(event) => {
          const el = event.currentTarget;
          const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
          stick.current = atEnd;
          if (atEnd) setBehind(false);
        }}
      >
        {loading && (
          <div className="transcript-placeholder" data-testid="transcript-loading">
            <span className="spinner" aria-hidden /> Loading history…
          </div>
        )}
        {!loading && items.length === 0 && <div className="transcript-placeholder">{empty}</div>}
        {items.map((item) => (
          <Row key={item.key} item={item} streaming={item.key === openMessageKey && running} agentName={agentName} canAnswer={canAnswer} onAnswer={onAnswer} />
        ))}
        {waiting && (
          <div className="working" data-testid="agent-working">
            <span className="typing" aria-hidden>
              <i />
              <i />
              <i />
            </span>
            {agentName} is working…
          </div>
        )}
      </div>
      {behind && (
        <button type="button" className="jump-latest" onClick={scrollToEnd} data-testid="jump-latest">
          ↓ Jump to latest
        </button>
      )}
    </div>
  );
});

interface RowProps {
  item: TranscriptItem;
  streaming: boolean;
  agentName: string;
  canAnswer: boolean;
  onAnswer: Answer;
}

const Row = memo(function Row({ item, streaming, agentName, canAnswer, onAnswer }: RowProps) {
  switch (item.kind) {
    case "user":
      return (
        <div className="msg msg-user" data-testid="message-user">
          <div className="msg-body" data-testid="message-body">
            {item.text}
          </div>
          {item.links.map((link) => (
            <div key={link} className="msg-attachment">
              <span aria-hidden>📎</span> {link}
            </div>
          ))}
        </div>
      );
    case "agent":
      return (
        <div className={`msg msg-agent${streaming ? " streaming" : ""}`} data-testid="message-agent" data-streaming={streaming}>
          <div className="msg-author">
            <span className="avatar" aria-hidden>
              ◆
            </span>
            {agentName}
          </div>
          <div className="msg-body" data-testid="message-body">
            <Markdown text={item.text} />
          </div>
        </div>
      );
    case "thought":
      return (
        <details className="thought" data-testid="thought">
          <summary>
            <span className="thought-label">Thinking</span>
            <span className="thought-preview">{item.text.split("\n", 1)[0]}</span>
          </summary>
          <div className="thought-body">{item.text}</div>
        </details>
      );
    case "tool":
      return (
        <div className="card-row tool" data-testid="tool-call" data-status={item.status}>
          <div className="card-head">
            <span className="kind-chip">{item.toolKind}</span>
            <strong className="card-title">{item.title}</strong>
            <span className={`pill pill-${item.status}`} data-testid="tool-status">
              {item.status.replace("_", " ")}
            </span>
          </div>
          {item.output && <pre className="tool-output">{item.output}</pre>}
        </div>
      );
    case "plan": {
      const done = item.entries.filter((entry) => entry.status === "completed").length;
      return (
        <div className="card-row plan" data-testid="plan">
          <div className="card-head">
            <span className="kind-chip">plan</span>
            <strong className="card-title">Plan</strong>
            <span className="muted small">
              {done}/{item.entries.length} done
            </span>
          </div>
          <ul>
            {item.entries.map((entry, i) => (
              <li key={i} className={`plan-entry plan-${entry.status}`}>
                <span className="plan-mark" aria-hidden>
                  {entry.status === "completed" ? "✓" : entry.status === "in_progress" ? "◐" : "○"}
                </span>
                {entry.content}
              </li>
            ))}
          </ul>
        </div>
      );
    }
    case "permission":
      return <PermissionCard item={item} canAnswer={canAnswer} onAnswer={onAnswer} />;
    case "turn_end":
      return (
        <div className={`turn-end turn-end-${item.stopReason}`} data-testid="turn-end" data-stop-reason={item.stopReason}>
          <span>{STOP_LABEL[item.stopReason] ?? `Turn ended: ${item.stopReason.replaceAll("_", " ")}`}</span>
        </div>
      );
    case "notice":
      return (
        <div className={`notice notice-${item.tone}`} role="status" data-testid="notice">
          {item.text}
        </div>
      );
  }
});

function PermissionCard({ item, canAnswer, onAnswer }: { item: Extract<TranscriptItem, { kind: "permission" }>; canAnswer: boolean; onAnswer: Answer }) {
  const [answering, setAnswering] = useState<PermissionReply | null>(null);
  const pending = item.state === "pending";
  return (
    <div className={`card-row permission${pending ? " pending" : ""}`} data-testid="permission-card" data-state={item.state}>
      <div className="card-head">
        <span className="kind-chip">{item.toolKind || "permission"}</span>
        <strong className="card-title">{pending ? `Permission needed: ${item.title || "tool call"}` : item.title || "Permission"}</strong>
        {!pending && (
          <span className="pill" data-testid="permission-answer">
            {item.state}
          </span>
        )}
      </div>
      {item.rawInput !== undefined && <pre className="tool-output">{JSON.stringify(item.rawInput, null, 2)}</pre>}
      {pending &&
        (canAnswer ? (
          <div className="row">
            {item.options.map((option) => {
              const reply = REPLY_FOR_KIND[option.kind];
              if (!reply) return null;
              return (
                <button
                  key={option.optionId}
                  type="button"
                  className={`button small ${reply === "reject" ? "ghost" : reply === "once" ? "primary" : ""}`}
                  disabled={answering !== null}
                  onClick={async () => {
                    setAnswering(reply);
                    if (!(await onAnswer(item.permissionId, reply))) setAnswering(null);
                  }}
                  data-testid={`permission-${reply}`}
                >
                  {answering === reply ? "Sending…" : option.name}
                </button>
              );
            })}
          </div>
        ) : (
          <p className="muted small">Waiting for a member of the team to answer.</p>
        ))}
    </div>
  );
}

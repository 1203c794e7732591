"use client";

import { memo, useEffect, useRef } from "react";
import type { TranscriptItem } from "@/components/session/transcript-model";

type Answer = (permissionId: string, reply: "once" | "always" | "reject") => Promise<boolean>;

const REPLY_FOR_KIND: Record<string, "once" | "always" | "reject"> = { allow_once: "once", allow_always: "always", reject_once: "reject" };

export function Transcript({ items, loading, canAnswer, onAnswer }: { items: TranscriptItem[]; loading: boolean; canAnswer: boolean; onAnswer: Answer }) {
  const end = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (stick.current) end.current?.scrollIntoView({ block: "end" });
  }, [items]);

  return (
    <div
      className="transcript"
      ref={container}
      data-testid="transcript"
      onScroll={(event) => {
        const el = event.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      {loading && <p className="muted">Loading history…</p>}
      {!loading && items.length === 0 && <p className="muted empty-transcript">No messages yet. Send a prompt to start.</p>}
      {items.map((item) => (
        <Row key={item.key} item={item} canAnswer={canAnswer} onAnswer={onAnswer} />
      ))}
      <div ref={end} />
    </div>
  );
}

const Row = memo(function Row({ item, canAnswer, onAnswer }: { item: TranscriptItem; canAnswer: boolean; onAnswer: Answer }) {
  switch (item.kind) {
    case "user":
      return (
        <div className="msg msg-user" data-testid="message-user">
          <div className="msg-author">You</div>
          <div className="msg-body">{item.text}</div>
          {item.links.map((link) => (
            <div key={link} className="muted small">
              📎 {link}
            </div>
          ))}
        </div>
      );
    case "agent":
      return (
        <div className="msg msg-agent" data-testid="message-agent">
          <div className="msg-author">Agent</div>
          <div className="msg-body">{item.text}</div>
        </div>
      );
    case "thought":
      return (
        <details className="thought" data-testid="thought">
          <summary>Thought</summary>
          <div className="msg-body">{item.text}</div>
        </details>
      );
    case "tool":
      return (
        <div className="tool" data-testid="tool-call" data-status={item.status}>
          <div className="tool-head">
            <span className="tool-kind">{item.toolKind}</span>
            <strong>{item.title}</strong>
            <span className={`pill pill-${item.status}`}>{item.status}</span>
          </div>
          {item.output && <pre className="tool-output">{item.output}</pre>}
        </div>
      );
    case "plan":
      return (
        <div className="plan" data-testid="plan">
          <div className="msg-author">Plan</div>
          <ul>
            {item.entries.map((entry, i) => (
              <li key={i} className={`plan-${entry.status}`}>
                <span aria-hidden>{entry.status === "completed" ? "✓" : entry.status === "in_progress" ? "◐" : "○"}</span> {entry.content}
              </li>
            ))}
          </ul>
        </div>
      );
    case "permission":
      return (
        <div className={`permission ${item.state === "pending" ? "pending" : ""}`} data-testid="permission-card" data-state={item.state}>
          <div className="tool-head">
            <span className="tool-kind">permission</span>
            <strong>{item.title || "The agent asks for permission"}</strong>
          </div>
          {item.rawInput !== undefined && <pre className="tool-output">{JSON.stringify(item.rawInput, null, 2)}</pre>}
          {item.state === "pending" ? (
            canAnswer ? (
              <div className="row">
                {item.options.map((option) => {
                  const reply = REPLY_FOR_KIND[option.kind];
                  if (!reply) return null;
                  return (
                    <button
                      key={option.optionId}
                      type="button"
                      className={`button small ${reply === "reject" ? "ghost" : "primary"}`}
                      onClick={() => void onAnswer(item.permissionId, reply)}
                      data-testid={`permission-${reply}`}
                    >
                      {option.name}
                    </button>
                  );
                })}
              </div>
            ) : (
              <p className="muted small">Waiting for a member to answer.</p>
            )
          ) : (
            <p className="muted small" data-testid="permission-answer">
              {item.state}
            </p>
          )}
        </div>
      );
    case "turn_end":
      return (
        <div className="turn-end" data-testid="turn-end" data-stop-reason={item.stopReason}>
          <span>Turn ended · {item.stopReason.replace("_", " ")}</span>
        </div>
      );
    case "notice":
      return (
        <div className={`notice notice-${item.tone}`} data-testid="notice">
          {item.text}
        </div>
      );
  }
});

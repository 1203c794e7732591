"use client";

import { diffLines } from "diff";
import { memo, useMemo, useState } from "react";
import type { PermissionState, ToolDiff, TranscriptItem } from "@/components/session/transcript-model";
import { replyForKind, type PermissionOutcome, type PermissionReply } from "@/lib/contract/permissions";

export type Answer = (permissionId: string, reply: PermissionReply) => Promise<boolean>;

const REPLY_LABEL: Record<PermissionOutcome, string> = { once: "Allowed once", always: "Always allowed", reject: "Rejected", cancelled: "Cancelled", expired: "Expired" };
const STATUS_LABEL: Record<string, string> = { pending: "Pending", in_progress: "Running", completed: "Completed", failed: "Failed" };

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString("en", { hour: "2-digit", minute: "2-digit" });

/** One card per tool call: status updated in place, its input, output or diff, and the permission it needed. */
export const ToolCard = memo(function ToolCard({ item, canAnswer, onAnswer, people }: { item: Extract<TranscriptItem, { kind: "tool" }>; canAnswer: boolean; onAnswer: Answer; people: Record<string, string> }) {
  const waiting = item.permission?.reply === "pending";
  const status = waiting ? "awaiting" : item.status;
  return (
    <div className={`card-row tool${waiting ? " permission pending" : ""}`} data-testid="tool-call" data-status={item.status} data-tool-call-id={item.toolCallId}>
      <div className="card-head">
        <span className="kind-chip">{item.toolKind}</span>
        <strong className="card-title">{item.title}</strong>
        <span className={`pill pill-${status}`} data-testid="tool-status">
          {waiting ? "Needs permission" : (STATUS_LABEL[item.status] ?? item.status.replaceAll("_", " "))}
        </span>
      </div>
      {item.diffs.map((diff, i) => (
        <DiffView key={`${diff.path}-${i}`} diff={diff} />
      ))}
      {item.diffs.length === 0 && item.rawInput !== undefined && item.rawInput !== null && (
        <details className="tool-input">
          <summary className="small muted">Input</summary>
          <pre className="tool-output" tabIndex={0}>{JSON.stringify(item.rawInput, null, 2)}</pre>
        </details>
      )}
      {item.output && (
        <pre className={`tool-output${item.terminal ? " terminal" : ""}`} tabIndex={0}>
          {item.output}
        </pre>
      )}
      {item.permission && <PermissionBlock permission={item.permission} canAnswer={canAnswer} onAnswer={onAnswer} people={people} />}
    </div>
  );
});

function PermissionBlock({ permission, canAnswer, onAnswer, people }: { permission: PermissionState; canAnswer: boolean; onAnswer: Answer; people: Record<string, string> }) {
  const [answering, setAnswering] = useState<PermissionReply | null>(null);
  const pending = permission.reply === "pending";
  const label = REPLY_LABEL[permission.reply as PermissionOutcome] ?? permission.reply;
  return (
    <div className="permission-block" data-testid="permission-card" data-state={pending ? "pending" : label} data-permission-id={permission.permissionId}>
      {pending ? (
        canAnswer ? (
          <>
            <p className="permission-ask">The agent asks for permission to run this.</p>
            <div className="row">
              {permission.options.map((option) => {
                const reply = replyForKind(option.kind);
                if (!reply) return null;
                return (
                  <button
                    key={option.optionId}
                    type="button"
                    className={`button small ${reply === "reject" ? "ghost" : reply === "once" ? "primary" : ""}`}
                    disabled={answering !== null}
                    onClick={async () => {
                      setAnswering(reply);
                      if (!(await onAnswer(permission.permissionId, reply))) setAnswering(null);
                    }}
                    data-testid={`permission-${reply}`}
                  >
                    {answering === reply ? "Sending…" : option.name}
                  </button>
                );
              })}
            </div>
          </>
        ) : (
          <p className="muted small">Waiting for a member of the team to answer.</p>
        )
      ) : (
        <p className="small permission-answer" data-testid="permission-answer">
          <span className={`answer-mark answer-${permission.reply}`} aria-hidden>
            {permission.reply === "reject" ? "✕" : permission.reply === "once" || permission.reply === "always" ? "✓" : "–"}
          </span>
          {label}
          {permission.by && ` by ${answeredBy(permission.by, people)}`}
          {permission.at && <span className="muted"> · {timeOf(permission.at)}</span>}
        </p>
      )}
    </div>
  );
}

/** "policy:<rule id>" is the team's approval policy answering by itself (lib/sessions/permissions.ts). */
function answeredBy(by: string, people: Record<string, string>) {
  if (by.startsWith("policy:")) return `the team's policy (rule ${by.slice("policy:".length)})`;
  return people[by] ?? "a team member";
}

function DiffView({ diff }: { diff: ToolDiff }) {
  const parts = useMemo(() => diffLines(diff.oldText ?? "", diff.newText), [diff]);
  const added = parts.filter((part) => part.added).reduce((sum, part) => sum + (part.count ?? 0), 0);
  const removed = parts.filter((part) => part.removed).reduce((sum, part) => sum + (part.count ?? 0), 0);
  return (
    <figure className="diff" data-testid="tool-diff">
      <figcaption className="diff-head">
        <span className="diff-path">{diff.path || "file"}</span>
        <span className="diff-stat">
          <span className="diff-added">+{added}</span> <span className="diff-removed">−{removed}</span>
        </span>
      </figcaption>
      <pre className="diff-body" tabIndex={0}>
        {parts.map((part, i) =>
          part.value
            .replace(/\n$/, "")
            .split("\n")
            .map((line, j) => (
              <span key={`${i}-${j}`} className={part.added ? "diff-line add" : part.removed ? "diff-line del" : "diff-line"}>
                <span className="diff-sign" aria-hidden>
                  {part.added ? "+" : part.removed ? "−" : " "}
                </span>
                {part.added && <span className="sr-only">added: </span>}
                {part.removed && <span className="sr-only">removed: </span>}
                {line}
                {"\n"}
              </span>
            )),
        )}
      </pre>
    </figure>
  );
}

"use client";

import { diffLines } from "diff";
import { memo, useMemo, useState } from "react";
import type { PermissionState, ToolDiff, TranscriptItem } from "@/components/session/transcript-model";
import { readableInput, restLines } from "@/components/session/tool-input";
import { replyForKind, type PermissionOutcome, type PermissionReply } from "@/lib/contract/permissions";

export type Answer = (permissionId: string, reply: PermissionReply) => Promise<boolean>;

const REPLY_LABEL: Record<PermissionOutcome | "interrupted", string> = {
  once: "Allowed once",
  always: "Always allowed",
  reject: "Rejected",
  cancelled: "Cancelled: not answered before the turn ended",
  expired: "Expired: the agent stopped waiting",
  interrupted: "Interrupted: not answered before the runtime stopped",
};
/** The answer in a word (the card's data-state). */
const REPLY_WORD: Record<string, string> = {
  once: "Allowed once",
  always: "Always allowed",
  reject: "Rejected",
  cancelled: "Cancelled",
  expired: "Expired",
  interrupted: "Interrupted",
};
/** One word per state, the same on the card's badge, its answer line and the plan. */
export const STATUS_LABEL: Record<string, string> = {
  pending: "Pending",
  in_progress: "Running",
  completed: "Completed",
  failed: "Failed",
  interrupted: "Interrupted",
  cancelled: "Cancelled",
  stopped: "Stopped",
  expired: "Expired",
  ended: "Turn ended",
};
/** Input longer than this many lines starts folded (its first lines stay visible). */
const LONG_INPUT_LINES = 12;

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString("en", { hour: "2-digit", minute: "2-digit" });

/** One card per tool call: status updated in place, its input, output or diff, and the permission it needed. */
export const ToolCard = memo(function ToolCard({
  item,
  canAnswer,
  onAnswer,
  people,
}: {
  item: Extract<TranscriptItem, { kind: "tool" }>;
  canAnswer: boolean;
  onAnswer: Answer;
  people: Record<string, string>;
}) {
  const waiting = item.permission?.reply === "pending";
  // An expired request leaves its call where it was: the card says so in the same word.
  const shown = !waiting && item.permission?.reply === "expired" && (item.status === "pending" || item.status === "in_progress") ? "expired" : item.status;
  // A call that failed because a person said no was not a failure of the agent's: the badge says "Rejected", as its answer line does.
  const rejected = shown === "failed" && item.permission?.reply === "reject";
  const pill = waiting ? "awaiting" : rejected ? "rejected" : shown;
  return (
    <div className={`card-row tool${waiting ? " permission pending" : ""}`} data-testid="tool-call" data-status={shown} data-tool-call-id={item.toolCallId}>
      <div className="card-head">
        <span className="kind-chip">{item.toolKind}</span>
        <strong className="card-title">{item.title}</strong>
        <span className={`pill pill-${pill}`} data-testid="tool-status">
          {waiting ? (canAnswer ? "Waiting for you" : "Waiting for a member") : rejected ? "Rejected" : (STATUS_LABEL[shown] ?? shown.replaceAll("_", " "))}
        </span>
      </div>
      {item.diffs.map((diff, i) => (
        <DiffView key={`${diff.path}-${i}`} diff={diff} />
      ))}
      {item.diffs.length === 0 &&
        item.rawInput !== undefined &&
        item.rawInput !== null &&
        !(typeof item.rawInput === "object" && Object.keys(item.rawInput).length === 0) && <ToolInput input={item.rawInput} toolKind={item.toolKind} />}
      {item.output && (
        <pre className={`tool-output${item.terminal ? " terminal" : ""}`} tabIndex={0}>
          {item.output}
        </pre>
      )}
      {item.permission && <PermissionBlock permission={item.permission} toolKind={item.toolKind} canAnswer={canAnswer} onAnswer={onAnswer} people={people} />}
    </div>
  );
});

/**
 * The call's input, shown (what a permission is asked for must be seen before it is answered) in the
 * form a person reads: a command line, a file's path and text, an edit's diff, else indented JSON.
 */
function ToolInput({ input, toolKind }: { input: unknown; toolKind: string }) {
  const readable = useMemo(() => readableInput(input, toolKind), [input, toolKind]);
  const rest = "rest" in readable ? restLines(readable.rest) : [];
  const diff = useMemo(() => (readable.kind === "edit" ? { path: readable.path, oldText: readable.oldText, newText: readable.newText } : null), [readable]);
  return (
    <div className="tool-input" data-testid="tool-input" data-input-kind={readable.kind}>
      {readable.kind === "edit" ? (
        <DiffView diff={diff!} />
      ) : readable.kind === "write" ? (
        <figure className="diff">
          <figcaption className="diff-head">
            <span className="diff-path" data-testid="tool-input-path">
              {readable.path}
            </span>
            <span className="muted">{lineCount(readable.content)}</span>
          </figcaption>
          <Folded text={readable.content} className="tool-input-body" />
        </figure>
      ) : readable.kind === "command" ? (
        <>
          {readable.description && <p className="small muted tool-input-description">{readable.description}</p>}
          <Folded text={readable.command} className="tool-output tool-command" prefix="$ " />
        </>
      ) : (
        <Folded text={readable.text} className="tool-output" />
      )}
      {rest.length > 0 && (
        <p className="small muted tool-input-rest" data-testid="tool-input-rest">
          {rest.join(" · ")}
        </p>
      )}
    </div>
  );
}

const lineCount = (text: string) => {
  const lines = text.replace(/\n$/, "").split("\n").length;
  return `${lines} line${lines === 1 ? "" : "s"}`;
};

/** Text in a block; longer than LONG_INPUT_LINES lines, it starts folded with its first lines in view. */
function Folded({ text, className, prefix = "" }: { text: string; className: string; prefix?: string }) {
  const lines = text.split("\n");
  const long = lines.length > LONG_INPUT_LINES;
  const [open, setOpen] = useState(!long);
  return (
    <>
      <pre className={`${className}${open ? "" : " folded"}`} tabIndex={0} data-testid="tool-input-text">
        {prefix}
        {open ? text : lines.slice(0, LONG_INPUT_LINES).join("\n")}
      </pre>
      {long && (
        <button type="button" className="link-button small" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="tool-input-toggle">
          {open ? "Show less" : `Show all ${lines.length} lines`}
        </button>
      )}
    </>
  );
}

/** What the agent asks to do, by the call's kind (ACP's tool kinds). */
const ASK: Record<string, string> = {
  edit: "to make this change",
  delete: "to delete this",
  move: "to move this",
  execute: "to run this",
  fetch: "to fetch this",
  read: "to read this",
  search: "to search this",
};

function PermissionBlock({
  permission,
  toolKind,
  canAnswer,
  onAnswer,
  people,
}: {
  permission: PermissionState;
  toolKind: string;
  canAnswer: boolean;
  onAnswer: Answer;
  people: Record<string, string>;
}) {
  const [answering, setAnswering] = useState<PermissionReply | null>(null);
  const pending = permission.reply === "pending";
  const label = REPLY_LABEL[permission.reply as PermissionOutcome | "interrupted"] ?? permission.reply;
  return (
    <div
      className="permission-block"
      data-testid="permission-card"
      data-state={pending ? "pending" : (REPLY_WORD[permission.reply] ?? permission.reply)}
      data-permission-id={permission.permissionId}
    >
      {pending ? (
        canAnswer ? (
          <>
            <p className="permission-ask">The agent asks for permission {ASK[toolKind] ?? "to do this"}.</p>
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
          <p className="muted small" data-testid="permission-waiting-member">
            Waiting for a member of the team to answer.
          </p>
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

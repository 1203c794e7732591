"use client";

import { createContext, forwardRef, memo, useCallback, useContext, useEffect, useRef, useState } from "react";
import { Virtuoso, type VirtuosoHandle } from "react-virtuoso";
import { Markdown } from "@/components/session/markdown";
import { turnEndLabel } from "@/components/session/stop-reason";
import { STATUS_LABEL, ToolCard, type Answer } from "@/components/session/tool-card";
import type { TranscriptItem } from "@/components/session/transcript-model";

export interface TranscriptProps {
  items: TranscriptItem[];
  /** History is still being read: show that, never a running state. */
  loading: boolean;
  running: boolean;
  /** Permissions of this session waiting for an answer: the footer says who is waited for, not "working". */
  pendingCount?: number;
  openMessageKey: string | null;
  agentName: string;
  canAnswer: boolean;
  onAnswer: Answer;
  /** Opens the raw events of an item (or of the whole session, with no item); none: no raw events (a share link). */
  onRaw?: (item: TranscriptItem) => void;
  /** User ids → names, for "by whom". */
  people: Record<string, string>;
  firstItemIndex: number;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  /** False: every row in the page (whole-history view, and the benchmark's baseline). */
  virtual?: boolean;
  empty?: React.ReactNode;
}

interface RowContext {
  agentName: string;
  canAnswer: boolean;
  onAnswer: Answer;
  onRaw?: (item: TranscriptItem) => void;
  people: Record<string, string>;
}
const Context = createContext<RowContext | null>(null);

interface ListContext {
  waiting: boolean;
  /** A permission waits: for the viewer ("you") or for someone who may answer ("member"). */
  waitingOn: "you" | "member" | null;
  agentName: string;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  /** The person has moved away from the end themselves: only then does the top load older history
   * by itself (while the list opens at the end, its top can flash into view for a frame). */
  readingBack: () => boolean;
}

// A virtual list: only the rows on screen are in the page, so a 100,000-event session costs what a
// short one does. It opens at the newest end, follows new output while at the end, and reads older
// history when scrolled to the top. Rows are memoised on their item object (the model replaces only
// the item an event changed), so a streamed chunk re-renders one row.
export const Transcript = memo(function Transcript(props: TranscriptProps) {
  const {
    items,
    loading,
    running,
    pendingCount = 0,
    openMessageKey,
    agentName,
    canAnswer,
    onAnswer,
    onRaw,
    people,
    firstItemIndex,
    hasOlder,
    loadingOlder,
    onLoadOlder,
    virtual = true,
    empty,
  } = props;
  const list = useRef<VirtuosoHandle>(null);
  const [atBottom, setAtBottom] = useState(true);
  // Stay at the end until the person scrolls away: rows measured taller than estimated (Markdown,
  // tool output) grow the list after it opened at the end, which must not leave it mid-way.
  const stick = useRef(true);
  // When the person last scrolled, typed or touched here; never, at first (performance.now() starts
  // near 0 on a fresh page, so a 0 here would count as input during the page's first second).
  const lastInput = useRef(Number.NEGATIVE_INFINITY);
  const readingBack = useCallback(() => !stick.current || performance.now() - lastInput.current < 1_000, []);
  const onBottomChange = (bottom: boolean) => {
    setAtBottom(bottom);
    if (bottom) stick.current = true;
    else if (performance.now() - lastInput.current < 1_000) stick.current = false;
  };
  const last = items.at(-1);
  // Something is happening that shows nothing yet (a sleep, a tool, the first token): say so.
  const waitingOn = running && !loading && pendingCount > 0 ? (canAnswer ? "you" : "member") : null;
  const waiting = running && !loading && waitingOn === null && !(last?.kind === "agent" && last.key === openMessageKey);
  const rowContext = useRef<RowContext>({ agentName, canAnswer, onAnswer, onRaw, people });
  rowContext.current = { agentName, canAnswer, onAnswer, onRaw, people };

  if (loading || items.length === 0) {
    return (
      <div className="transcript-frame">
        <div className="transcript transcript-static" data-testid="transcript-scroll">
          <div className="transcript-rows" data-testid="transcript">
            {loading ? (
              <div className="transcript-placeholder" data-testid="transcript-loading">
                <span className="spinner" aria-hidden /> Loading history…
              </div>
            ) : (
              <div className="transcript-placeholder">{empty}</div>
            )}
            {(waiting || waitingOn) && <Working agentName={agentName} waitingOn={waitingOn} />}
          </div>
        </div>
      </div>
    );
  }

  if (!virtual) {
    return (
      <div className="transcript-frame">
        <Context.Provider value={rowContext.current}>
          <div
            className="transcript"
            data-testid="transcript-scroll"
            tabIndex={0}
            aria-label="Transcript"
            ref={(element) => {
              if (element) element.scrollTop = element.scrollHeight;
            }}
          >
            <div className="transcript-rows" data-testid="transcript">
              <div className="transcript-start" />
              {items.map((item) => (
                <Row key={item.key} item={item} streaming={item.key === openMessageKey && running} />
              ))}
              <Footer context={{ waiting, waitingOn, agentName, hasOlder: false, loadingOlder: false, onLoadOlder, readingBack }} />
            </div>
          </div>
        </Context.Provider>
      </div>
    );
  }

  return (
    <div
      className="transcript-frame"
      onWheel={(event) => {
        lastInput.current = performance.now();
        // Scrolling up lets go of the end at once. Left to the at-bottom signal, a wheel that came while
        // the opening list was still growing (already "not at bottom", so no change was signalled) kept
        // holding the end, and the next row measured taller pulled the reader back down.
        if (event.deltaY < 0) stick.current = false;
      }}
      onTouchMove={() => (lastInput.current = performance.now())}
      onKeyDown={(event) => {
        lastInput.current = performance.now();
        if (SCROLL_UP_KEYS.has(event.key)) stick.current = false;
      }}
      onPointerDown={() => (lastInput.current = performance.now())}
    >
      <Context.Provider value={rowContext.current}>
        <Virtuoso<TranscriptItem, ListContext>
          ref={list}
          className="transcript"
          data={items}
          firstItemIndex={firstItemIndex}
          initialTopMostItemIndex={{ index: "LAST", align: "end" }}
          computeItemKey={(_, item) => item.key}
          followOutput={(bottom) => (bottom ? "auto" : false)}
          atBottomStateChange={onBottomChange}
          totalListHeightChanged={() => {
            if (stick.current) list.current?.scrollToIndex({ index: "LAST", align: "end" });
          }}
          atBottomThreshold={80}
          increaseViewportBy={{ top: 600, bottom: 400 }}
          context={{
            waiting,
            waitingOn,
            agentName,
            hasOlder,
            loadingOlder,
            // Reading older history means the reader is at the top: stop holding the end.
            onLoadOlder: () => {
              stick.current = false;
              onLoadOlder();
            },
            readingBack,
          }}
          components={{ Scroller, List, Header, Footer }}
          itemContent={(_, item) => <Row item={item} streaming={item.key === openMessageKey && running} />}
        />
      </Context.Provider>
      {!atBottom && (
        <button
          type="button"
          className="jump-latest"
          onClick={() => {
            stick.current = true;
            list.current?.scrollToIndex({ index: "LAST", align: "end" });
          }}
          data-testid="jump-latest"
        >
          ↓ Jump to latest
        </button>
      )}
    </div>
  );
});

const SCROLL_UP_KEYS = new Set(["ArrowUp", "PageUp", "Home"]);

const Scroller = forwardRef<HTMLDivElement, React.HTMLAttributes<HTMLDivElement>>(function Scroller(props, ref) {
  return <div {...props} ref={ref} data-testid="transcript-scroll" tabIndex={0} aria-label="Transcript" />;
});

const List = forwardRef<HTMLDivElement, React.HTMLAttributes<HTMLDivElement>>(function List(props, ref) {
  return <div {...props} ref={ref} className="transcript-rows" data-testid="transcript" />;
});

function Header({ context }: { context?: ListContext }) {
  const button = useRef<HTMLButtonElement>(null);
  const hasOlder = context?.hasOlder ?? false;
  const loadingOlder = context?.loadingOlder ?? false;
  const onLoadOlder = context?.onLoadOlder;
  const readingBack = context?.readingBack;
  // While the top of the transcript is in view, older history keeps coming (each load re-checks:
  // an observer reports its target's state on observe). Not Virtuoso's startReached: older events
  // often only lengthen the first item, which leaves the item count, and so that signal, unchanged.
  useEffect(() => {
    const target = button.current;
    if (!target || !hasOlder || loadingOlder || !onLoadOlder || !readingBack) return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && readingBack() && onLoadOlder());
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasOlder, loadingOlder, onLoadOlder, readingBack]);
  if (!hasOlder) return <div className="transcript-start" />;
  return (
    <div className="transcript-older">
      <button type="button" ref={button} className="button ghost small" disabled={loadingOlder} onClick={onLoadOlder} data-testid="load-older">
        {loadingOlder ? "Loading earlier history…" : "Load earlier history"}
      </button>
    </div>
  );
}

function Footer({ context }: { context?: ListContext }) {
  return (
    <div className="transcript-end">{(context?.waiting || context?.waitingOn) && <Working agentName={context.agentName} waitingOn={context.waitingOn} />}</div>
  );
}

function Working({ agentName, waitingOn }: { agentName: string; waitingOn: "you" | "member" | null }) {
  if (waitingOn) {
    return (
      <div className="working waiting-on" data-testid="agent-waiting" data-waiting-on={waitingOn}>
        <span className="attention-dot" aria-hidden />
        {waitingOn === "you"
          ? `${agentName} is waiting for you: answer the permission above.`
          : `${agentName} is waiting for a member of the team to answer a permission.`}
      </div>
    );
  }
  return (
    <div className="working" data-testid="agent-working">
      <span className="typing" aria-hidden>
        <i />
        <i />
        <i />
      </span>
      {agentName} is working…
    </div>
  );
}

const Row = memo(function Row({ item, streaming }: { item: TranscriptItem; streaming: boolean }) {
  const context = useContext(Context)!;
  return (
    <div className={`transcript-item item-${item.kind}`} data-index-key={item.key}>
      <RowBody item={item} streaming={streaming} context={context} />
      {item.kind !== "turn_end" && context.onRaw && (
        <button type="button" className="raw-button" onClick={() => context.onRaw?.(item)} aria-label="Raw events of this item" data-testid="item-raw">
          {"{ }"}
        </button>
      )}
    </div>
  );
});

function RowBody({ item, streaming, context }: { item: TranscriptItem; streaming: boolean; context: RowContext }) {
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
            {context.agentName}
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
      return <ToolCard item={item} canAnswer={context.canAnswer} onAnswer={context.onAnswer} people={context.people} />;
    case "plan": {
      const done = item.entries.filter((entry) => entry.status === "completed").length;
      const ended = item.ended;
      return (
        <div className={`card-row plan${ended ? " plan-ended" : ""}`} data-testid="plan" data-ended={ended ?? undefined}>
          <div className="card-head">
            <span className="kind-chip">plan</span>
            <strong className="card-title">Plan</strong>
            <span className="muted small" data-testid="plan-progress">
              {done} of {item.entries.length} done
            </span>
            {ended && (
              <span className={`pill pill-${ended}`} data-testid="plan-ended">
                {STATUS_LABEL[ended] ?? ended}
              </span>
            )}
          </div>
          <ul>
            {item.entries.map((entry, i) => {
              // An unfinished turn leaves its unfinished steps as they were: not "in progress" any more.
              const status = ended && entry.status === "in_progress" ? "stopped" : entry.status;
              return (
                <li key={i} className={`plan-entry plan-${status}`} data-status={status}>
                  <span className="plan-mark" aria-hidden>
                    {status === "completed" ? "✓" : status === "in_progress" ? "◐" : status === "stopped" ? "–" : status === "cancelled" ? "✕" : "○"}
                  </span>
                  <span className="sr-only">
                    {status === "completed"
                      ? "Done: "
                      : status === "in_progress"
                        ? "In progress: "
                        : status === "stopped"
                          ? "Not finished: "
                          : status === "cancelled"
                            ? "Dropped: "
                            : "To do: "}
                  </span>
                  {entry.content}
                </li>
              );
            })}
          </ul>
        </div>
      );
    }
    case "agent_notice":
      return (
        <div className="separator separator-warning agent-notice" data-testid="agent-notice">
          <span>
            <strong>{context.agentName} warns:</strong> {item.text}
          </span>
        </div>
      );
    case "setting":
      return (
        <p className="setting-change" data-testid="setting-change">
          {item.label}: <strong>{displayValue(item.value)}</strong>
          {item.by && <span> · {context.people[item.by] ?? "a team member"}</span>}
        </p>
      );
    case "turn_end":
      // A completed turn needs no words; anything else says how it ended.
      return item.stopReason === "end_turn" ? (
        <div className="turn-end turn-end-quiet" data-testid="turn-end" data-stop-reason={item.stopReason}>
          <span className="sr-only">{turnEndLabel(item.stopReason)}</span>
        </div>
      ) : (
        <div className={`turn-end turn-end-${item.stopReason}`} data-testid="turn-end" data-stop-reason={item.stopReason}>
          <span>{turnEndLabel(item.stopReason)}</span>
        </div>
      );
    case "separator":
      return (
        <div className={`separator separator-${item.tone}`} data-testid="notice">
          <span>{item.text}</span>
        </div>
      );
  }
}

/** "low" → "Low"; values with digits or dashes ("demo-large") are ids and stay as they are. */
const displayValue = (value: string) => (/^[a-z]+$/.test(value) ? value.charAt(0).toUpperCase() + value.slice(1) : value);

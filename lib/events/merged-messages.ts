// The conversation as people read it, for search and for a restored agent's seed: consecutive agent
// chunks merge into one message, keyed by the index of its first event. Rewriting a growing message
// on every batch would recompute its full-text vector each time (the cost grows with the message),
// so an open message is written when it starts, then at most once per WRITE_EVERY_MS, and when it
// ends; closed messages are always written by the batch that closes them. Pure bookkeeping: the
// writer turns a plan's rows into SQL and applies the plan only once the batch has committed.

export const SEARCH_TEXT_CAP = 200_000;
export const WRITE_EVERY_MS = 1_000;

export interface MessageEvent {
  sessionId: string;
  /** 1-based position of the event among this batch's events of the same session. */
  offset: number;
  message?: { role: "user" | "agent"; text: string; startsNew: boolean };
  endsMessage?: boolean;
}

/**
 * A message row to write. A message that starts in this batch has no index yet (the batch assigns
 * them): `offset` says which of the session's events in the batch is its first.
 */
export interface MessageRow {
  sessionId: string;
  index: number | null;
  offset: number | null;
  role: string;
  text: string;
}

interface OpenMessage {
  index: number | null;
  offset: number | null;
  role: string;
  text: string;
  dirty: boolean;
  writtenAt: number;
}

export interface MessagePlan {
  rows: MessageRow[];
  /** Makes the plan current, given the index the batch gave each session's first event. */
  apply(firstIndexBySession: ReadonlyMap<string, number>): void;
}

export class MergedMessages {
  private open = new Map<string, OpenMessage>();

  /** Whether an open message has text not written yet, and from when it is due (epoch ms). */
  nextDueAt(): number | null {
    let due: number | null = null;
    for (const message of this.open.values()) {
      if (!message.dirty) continue;
      const at = message.writtenAt + WRITE_EVERY_MS;
      due = due === null ? at : Math.min(due, at);
    }
    return due;
  }

  /**
   * The rows a batch of events (in order) writes: messages it closes, open ones that are due, and
   * with `all` every unwritten text. `ownOnly` leaves other sessions' due text to the next batch (a
   * claim committed beside the batch in flight, which may be writing it). Nothing changes until
   * `apply`, so a failed batch can be planned again.
   */
  plan(events: MessageEvent[], now: number, { all = false, ownOnly = false }: { all?: boolean; ownOnly?: boolean } = {}): MessagePlan {
    const draft = new Map<string, OpenMessage | null>();
    const current = (sessionId: string) => (draft.has(sessionId) ? draft.get(sessionId)! : (this.open.get(sessionId) ?? null));
    const closed: Array<{ sessionId: string; message: OpenMessage }> = [];
    const close = (sessionId: string) => {
      const message = current(sessionId);
      if (message?.dirty) closed.push({ sessionId, message });
      draft.set(sessionId, null);
    };

    for (const event of events) {
      const { sessionId, message } = event;
      if (message?.text) {
        let open = current(sessionId);
        if (open === null || message.startsNew || open.role !== message.role) {
          if (open !== null) close(sessionId);
          open = { index: null, offset: event.offset, role: message.role, text: "", dirty: true, writtenAt: Number.NEGATIVE_INFINITY };
        } else {
          open = { ...open, dirty: true };
        }
        if (open.text.length < SEARCH_TEXT_CAP) open.text = (open.text + stripNul(message.text)).slice(0, SEARCH_TEXT_CAP);
        draft.set(sessionId, open);
        // A prompt is one event: it is complete as soon as it is recorded.
        if (message.role === "user") close(sessionId);
      }
      if (event.endsMessage) close(sessionId);
    }

    const rows: MessageRow[] = closed.map(({ sessionId, message }) => toRow(sessionId, message));
    const written = new Set<OpenMessage>();
    const sessions = new Set(ownOnly ? draft.keys() : [...this.open.keys(), ...draft.keys()]);
    for (const sessionId of sessions) {
      const message = current(sessionId);
      if (message?.dirty && (all || now - message.writtenAt >= WRITE_EVERY_MS)) {
        rows.push(toRow(sessionId, message));
        written.add(message);
      }
    }

    return {
      rows,
      apply: (firstIndexBySession) => {
        for (const [sessionId, message] of draft) {
          if (message === null) {
            this.open.delete(sessionId);
            continue;
          }
          const next = { ...message };
          if (next.index === null) {
            const first = firstIndexBySession.get(sessionId);
            if (first === undefined) {
              this.open.delete(sessionId); // the session is gone (a failed create): nothing to merge into
              continue;
            }
            next.index = first + next.offset! - 1;
            next.offset = null;
          }
          if (written.has(message)) {
            next.dirty = false;
            next.writtenAt = now;
          }
          this.open.set(sessionId, next);
        }
        for (const [sessionId, message] of this.open) {
          if (!draft.has(sessionId) && written.has(message)) this.open.set(sessionId, { ...message, dirty: false, writtenAt: now });
        }
      },
    };
  }
}

function toRow(sessionId: string, message: OpenMessage): MessageRow {
  return { sessionId, index: message.index, offset: message.index === null ? message.offset : null, role: message.role, text: message.text };
}

// PostgreSQL text cannot hold NUL; an agent that prints one must not stall the queue.
export function stripNul(text: string) {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}

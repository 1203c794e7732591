// Where the client's answer to an agent request goes in a session's history: right after the
// request. The SDK stores the request on a promise chain of its own, so the answer can be seen
// first; then it waits for its request. Pure (keys are JSON-RPC ids as strings), so it is unit-tested.

export class AnswerOrder<T> {
  // Per session: requests stored and not yet answered, and answers that came before their request.
  private open = new Map<string, Set<string>>();
  private early = new Map<string, Map<string, T>>();

  /** A request was stored: returns the answer to store right after it, when that came first. */
  requestStored(sessionId: string, requestId: string): T | undefined {
    const early = this.early.get(sessionId);
    if (early?.has(requestId)) {
      const answer = early.get(requestId);
      early.delete(requestId);
      return answer;
    }
    let open = this.open.get(sessionId);
    if (!open) this.open.set(sessionId, (open = new Set()));
    open.add(requestId);
    return undefined;
  }

  /** An answer was sent: true when its request is stored already (store the answer now), else it waits. */
  answerSent(sessionId: string, requestId: string, answer: T): boolean {
    if (this.open.get(sessionId)?.delete(requestId)) return true;
    let early = this.early.get(sessionId);
    if (!early) this.early.set(sessionId, (early = new Map()));
    early.set(requestId, answer);
    return false;
  }

  forget(sessionId: string) {
    this.open.delete(sessionId);
    this.early.delete(sessionId);
  }
}

/** A JSON-RPC id as a key (ids are numbers or strings; 1 and "1" are different ids); null for none. */
export function rpcIdKey(id: unknown): string | null {
  return typeof id === "number" || typeof id === "string" ? JSON.stringify(id) : null;
}

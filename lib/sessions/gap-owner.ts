// Whose history a gap in a runtime's ACP stream goes into. Messages the runtime dropped belong to the
// session of the frame that revealed the loss; that frame names its agent session, looked up only among
// the sessions on the connection the stream belongs to (agent session ids repeat across runtimes). A
// frame that names no session belongs to the connection's only session; anything else is not guessed:
// a gap recorded in another session's history (maybe another team's) would be worse than none.

/** The portal session the gap belongs to, or null with the reason it cannot be told. */
export function gapOwner(
  nextMessage: unknown,
  onConnection: readonly string[],
  sessionIdForAgentSession: (agentSessionId: string, among: string[]) => string | null,
): { sessionId: string } | { sessionId: null; reason: string } {
  const agentSessionId = (nextMessage as { params?: { sessionId?: unknown } } | null)?.params?.sessionId;
  if (typeof agentSessionId === "string") {
    const sessionId = sessionIdForAgentSession(agentSessionId, [...onConnection]);
    return sessionId ? { sessionId } : { sessionId: null, reason: `its agent session ${agentSessionId} is not one of this connection's sessions` };
  }
  if (onConnection.length === 1) return { sessionId: onConnection[0]! };
  return { sessionId: null, reason: `the frame after it names no session and the connection holds ${onConnection.length} sessions` };
}

import { randomUUID } from "node:crypto";
import { ErrorCode, RpcError } from "./protocol.js";
import { defaultConfigValues, type ConfigValues } from "./session-config.js";
import type { ToolKind } from "./acp-types.js";

/** Everything the agent remembers about one ACP session. Sessions never share state. */
export interface SessionState {
  id: string;
  cwd: string;
  config: ConfigValues;
  /**
   * First user prompt of the session as this agent knows it: `undefined` until
   * the first prompt arrives, `null` if that prompt carried history in which
   * no user prompt could be found.
   */
  firstPrompt: string | null | undefined;
  /** Tool kinds the user answered "allow always" for. */
  alwaysAllowedKinds: Set<ToolKind>;
  /** Cumulative pretend token count, reported by usage updates. */
  tokensUsed: number;
  toolCallCount: number;
  /** The running prompt turn, if any; aborting it is how session/cancel works. */
  activeTurn: AbortController | null;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, SessionState>();

  create(cwd: string): SessionState {
    // Random ids so sessions from a restarted agent process never collide
    // with ids a client has already stored.
    const session: SessionState = {
      id: `demo-${randomUUID()}`,
      cwd,
      config: defaultConfigValues(),
      firstPrompt: undefined,
      alwaysAllowedKinds: new Set(),
      tokensUsed: 0,
      toolCallCount: 0,
      activeTurn: null,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Look up the session named by `params.sessionId` or throw invalid-params. */
  require(params: Record<string, unknown>): SessionState {
    const sessionId = params.sessionId;
    const session = typeof sessionId === "string" ? this.sessions.get(sessionId) : undefined;
    if (!session) {
      throw new RpcError(ErrorCode.invalidParams, `Unknown session ${JSON.stringify(sessionId)}`);
    }
    return session;
  }

  get(sessionId: unknown): SessionState | undefined {
    return typeof sessionId === "string" ? this.sessions.get(sessionId) : undefined;
  }

  delete(sessionId: string): void {
    this.sessions.get(sessionId)?.activeTurn?.abort();
    this.sessions.delete(sessionId);
  }

  cancelAll(): void {
    for (const session of this.sessions.values()) {
      session.activeTurn?.abort();
    }
  }
}

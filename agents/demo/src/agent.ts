import type { StopReason } from "./acp-types.js";
import { runTurn } from "./behaviours.js";
import { analysePrompt } from "./prompt-text.js";
import { ErrorCode, RpcError, type IncomingMessage, type IncomingNotification, type IncomingRequest, type JsonRpcPeer } from "./protocol.js";
import { buildConfigOptions, buildModeState, MODE_CONFIG_ID, validateConfigValue, validateModeId } from "./session-config.js";
import { SessionRegistry, type SessionState } from "./sessions.js";

export const AGENT_INFO = { name: "demo", title: "Demo agent", version: "1.0.0" } as const;

export function log(message: string): void {
  // stderr only: stdout belongs to the protocol.
  process.stderr.write(`[demo-agent] ${message}\n`);
}

type RequestHandler = (params: Record<string, unknown>) => unknown;

/** ACP method dispatch. Requests run concurrently, so set_mode or cancel work mid-prompt. */
export class DemoAgent {
  private readonly sessions = new SessionRegistry();
  private readonly handlers = new Map<string, RequestHandler>(
    Object.entries({
      initialize: (): unknown => ({
        protocolVersion: 1,
        agentCapabilities: {
          loadSession: false,
          promptCapabilities: { image: false, audio: false, embeddedContext: true },
        },
        authMethods: [],
        agentInfo: AGENT_INFO,
      }),
      authenticate: () => ({}),
      "session/new": (params) => this.newSession(params),
      "session/set_mode": (params) => this.setMode(params),
      "session/set_config_option": (params) => this.setConfigOption(params),
      // Unstable ACP method; kept working by mapping it onto the "model" config option.
      "session/set_model": (params) => {
        this.applyConfigValue(this.sessions.require(params), "model", params.modelId);
        return {};
      },
      "session/prompt": (params) => this.prompt(params),
      "session/close": (params) => {
        this.sessions.delete(this.sessions.require(params).id);
        return {};
      },
    } satisfies Record<string, RequestHandler>),
  );

  constructor(private readonly peer: JsonRpcPeer) {}

  handle(message: IncomingMessage): void {
    if (message.kind === "request") {
      void this.handleRequest(message);
    } else if (message.kind === "notification") {
      this.handleNotification(message);
    } else if (!this.peer.handleResponse(message)) {
      log(`ignoring response to unknown request ${JSON.stringify(message.id)}`);
    }
  }

  /** stdin closed: stop all work so the process can exit. */
  shutdown(): void {
    this.sessions.cancelAll();
  }

  private async handleRequest(request: IncomingRequest): Promise<void> {
    const handler = this.handlers.get(request.method);
    if (!handler) {
      this.peer.respondError(request.id, {
        code: ErrorCode.methodNotFound,
        message: `Method not found: ${request.method}`,
      });
      return;
    }
    try {
      this.peer.respond(request.id, await handler(request.params));
    } catch (error) {
      if (error instanceof RpcError) {
        this.peer.respondError(request.id, {
          code: error.code,
          message: error.message,
          ...(error.data === undefined ? {} : { data: error.data }),
        });
      } else {
        log(`internal error in ${request.method}: ${error instanceof Error ? error.stack : String(error)}`);
        this.peer.respondError(request.id, { code: ErrorCode.internalError, message: "Internal error" });
      }
    }
  }

  private handleNotification(notification: IncomingNotification): void {
    if (notification.method === "session/cancel") {
      // Unknown or idle sessions are fine: cancel is best-effort by design.
      this.sessions.get(notification.params.sessionId)?.activeTurn?.abort();
      return;
    }
    log(`ignoring notification ${notification.method}`);
  }

  private newSession(params: Record<string, unknown>): unknown {
    const cwd = typeof params.cwd === "string" ? params.cwd : process.cwd();
    const session = this.sessions.create(cwd);
    return {
      sessionId: session.id,
      modes: buildModeState(session.config),
      configOptions: buildConfigOptions(session.config),
    };
  }

  private setMode(params: Record<string, unknown>): unknown {
    const session = this.sessions.require(params);
    this.applyConfigValue(session, MODE_CONFIG_ID, validateModeId(params.modeId));
    return {};
  }

  private setConfigOption(params: Record<string, unknown>): unknown {
    const session = this.sessions.require(params);
    if (typeof params.configId !== "string") {
      throw new RpcError(ErrorCode.invalidParams, "configId must be a string");
    }
    if (params.type === "boolean") {
      throw new RpcError(ErrorCode.invalidParams, `Config option '${params.configId}' is not a boolean option`);
    }
    this.applyConfigValue(session, params.configId, params.value);
    return { configOptions: buildConfigOptions(session.config) };
  }

  /**
   * Validate, store and announce a config change. The mode lives in the config
   * too, so a mode change announces both current_mode_update and
   * config_option_update whichever method caused it.
   */
  private applyConfigValue(session: SessionState, configId: string, value: unknown): void {
    session.config[configId] = validateConfigValue(configId, value);
    if (configId === MODE_CONFIG_ID) {
      this.peer.sessionUpdate(session.id, {
        sessionUpdate: "current_mode_update",
        currentModeId: session.config[MODE_CONFIG_ID] ?? "ask",
      });
    }
    this.peer.sessionUpdate(session.id, {
      sessionUpdate: "config_option_update",
      configOptions: buildConfigOptions(session.config),
    });
  }

  private async prompt(params: Record<string, unknown>): Promise<{ stopReason: StopReason }> {
    const session = this.sessions.require(params);
    if (session.activeTurn) {
      throw new RpcError(ErrorCode.serverError, "A prompt is already running in this session; cancel it first.");
    }
    const turn = new AbortController();
    session.activeTurn = turn;
    try {
      const analysis = analysePrompt(params.prompt);
      if (session.firstPrompt === undefined) {
        session.firstPrompt = analysis.history ? analysis.history.firstUserPrompt : analysis.text;
      }
      const stopReason = await runTurn({ peer: this.peer, session, analysis, signal: turn.signal });
      return { stopReason: turn.signal.aborted ? "cancelled" : stopReason };
    } finally {
      if (session.activeTurn === turn) {
        session.activeTurn = null;
      }
    }
  }
}

import type { OutputChannel } from "./output-channel.js";
import type { SessionUpdate } from "./acp-types.js";

// JSON-RPC 2.0 framing for ACP: one JSON object per line in each direction.

export type RequestId = string | number | null;

export const ErrorCode = {
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Implementation-defined server error, used for "busy" style conditions. */
  serverError: -32000,
} as const;

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface IncomingRequest {
  kind: "request";
  id: RequestId;
  method: string;
  params: Record<string, unknown>;
}

export interface IncomingNotification {
  kind: "notification";
  method: string;
  params: Record<string, unknown>;
}

export interface IncomingResponse {
  kind: "response";
  id: RequestId;
  result?: unknown;
  error?: RpcErrorObject;
}

export type IncomingMessage = IncomingRequest | IncomingNotification | IncomingResponse;

/** Thrown by method handlers; turned into a JSON-RPC error response. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Classify one input line. Returns null for anything that is not a JSON-RPC
 * message, so a stray or truncated line cannot take the agent down.
 */
export function parseMessage(line: string): IncomingMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(value)) {
    return null;
  }
  const params = isRecord(value.params) ? value.params : {};
  const hasId = "id" in value;
  const id = toRequestId(value.id);
  if (typeof value.method === "string") {
    return hasId ? { kind: "request", id, method: value.method, params } : { kind: "notification", method: value.method, params };
  }
  if (hasId && ("result" in value || "error" in value)) {
    const error = isRecord(value.error)
      ? {
          code: typeof value.error.code === "number" ? value.error.code : ErrorCode.internalError,
          message: typeof value.error.message === "string" ? value.error.message : "error",
          data: value.error.data,
        }
      : undefined;
    return error ? { kind: "response", id, error } : { kind: "response", id, result: value.result };
  }
  return null;
}

function toRequestId(value: unknown): RequestId {
  return typeof value === "string" || typeof value === "number" ? value : null;
}

/** Outcome of a request this agent sent to the client. */
export type PeerResponse = { result: unknown } | { error: RpcErrorObject };

/**
 * Our side of the JSON-RPC connection: responses, notifications and
 * agent-to-client requests (session/request_permission), all funnelled
 * through one OutputChannel so their relative order is preserved.
 */
export class JsonRpcPeer {
  private nextOutgoingId = 1;
  private readonly pending = new Map<string, (response: PeerResponse) => void>();

  constructor(readonly output: OutputChannel) {}

  respond(id: RequestId, result: unknown): void {
    this.send({ jsonrpc: "2.0", id, result });
  }

  respondError(id: RequestId, error: RpcErrorObject): void {
    this.send({ jsonrpc: "2.0", id, error });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: "2.0", method, params });
  }

  sessionUpdate(sessionId: string, update: SessionUpdate): void {
    this.notify("session/update", { sessionId, update });
  }

  /**
   * Send a request to the client. String ids with a prefix keep them apart
   * from the client's own (usually numeric) ids, which the runtime's adapter
   * uses to route responses.
   */
  request(method: string, params: unknown): { id: string; response: Promise<PeerResponse> } {
    const id = `demo-${this.nextOutgoingId++}`;
    const response = new Promise<PeerResponse>((resolve) => {
      this.pending.set(id, resolve);
    });
    this.send({ jsonrpc: "2.0", id, method, params });
    return { id, response };
  }

  /** Stop waiting for a request (e.g. the turn was cancelled); a late reply is then ignored. */
  abandon(id: string): void {
    this.pending.delete(id);
  }

  /** Route a client response to the request waiting for it. Returns false if nobody is. */
  handleResponse(message: IncomingResponse): boolean {
    const key = String(message.id);
    const resolve = this.pending.get(key);
    if (!resolve) {
      return false;
    }
    this.pending.delete(key);
    resolve(message.error ? { error: message.error } : { result: message.result });
    return true;
  }

  private send(message: unknown): void {
    this.output.writeLine(`${JSON.stringify(message)}\n`);
  }
}

/**
 * Precomputed text of an `agent_message_chunk` line, so /stream and /burst can
 * produce up to a million chunks without a JSON.stringify per chunk. Only the
 * chunk text varies and callers pass JSON-safe text (digits and a space).
 */
export function messageChunkLineTemplate(sessionId: string): { prefix: string; suffix: string } {
  const marker = "\u0000MARKER\u0000";
  const line = JSON.stringify({
    jsonrpc: "2.0",
    method: "session/update",
    params: {
      sessionId,
      update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: marker } },
    },
  });
  const encodedMarker = JSON.stringify(marker).slice(1, -1);
  const at = line.indexOf(encodedMarker);
  return { prefix: line.slice(0, at), suffix: `${line.slice(at + encodedMarker.length)}\n` };
}

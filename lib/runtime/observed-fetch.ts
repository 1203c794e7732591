import "server-only";
import { rpcIdKey } from "@/lib/runtime/answer-order";
import { runtimeFetch } from "@/lib/runtime/runtime-fetch";

// The seam between the SDK and the runtime's ACP event stream. SDK 0.4.2 hides the SSE `id:`
// sequence, but reads `GET /v1/acp/{serverId}` through the `fetch` we give it. The runtime drops
// messages silently when its 512-message channel per reader overflows (a gap in the ids), and keeps
// the last 1,024 in a replay buffer answered on `Last-Event-ID`. So we wrap that one response:
//  - drain the runtime's body eagerly, so our reader never falls behind;
//  - on a gap, hold later frames, open a second reader with `Last-Event-ID` to replay the missing
//    ids, splice them in order, and report what could not be recovered;
//  - hand the SDK a gap-free, duplicate-free stream.
// Chosen over patching the SDK: it uses a documented option (`fetch`) and sees the raw ids.

export interface GapReport {
  serverId: string;
  missing: number;
  /** The frame that revealed the gap; its JSON-RPC message names the session it belongs to. */
  nextMessage: unknown;
}

/**
 * A JSON-RPC answer the client (the SDK, on the portal's behalf) posted to a request the agent made
 * on this ACP server: a permission outcome, or an error for a method the client does not serve.
 */
export interface ClientAnswer {
  serverId: string;
  /** The agent's session id from the request frame: with the connection, it names one portal session. */
  agentSessionId: string;
  message: unknown;
}

export interface AcpStreamObserver {
  /**
   * The SDK does not persist the responses it sends, so the history would miss them. Told before the
   * answer is posted, so it lands before anything the agent does because of it.
   */
  onClientAnswer?(answer: ClientAnswer): void;
  onGap?(report: GapReport): void;
  onRecovered?(serverId: string, count: number): void;
  /**
   * The runtime refused a message the SDK posted (HTTP 4xx/5xx). SDK 0.4.2 only logs that and never
   * settles the request's promise, so a refused `session/prompt` would leave its turn running forever.
   * Told after onConnectionLost, so a loss check for the connection is already under way.
   */
  onRefused?(message: unknown, refusal: Refusal): void;
  /**
   * The SDK's ACP connection to this server is dead: a post failed or was refused (the SDK then closes
   * the transport), or its event stream broke or was refused (the SDK then stops reading without a
   * word). Every session on that connection would otherwise hang forever.
   */
  onConnectionLost?(serverId: string, reason: string): void;
}

export interface Refusal {
  status: number;
  /**
   * The refusal says the agent process is gone: the runtime answers a pending request with
   * `agent_process_exited` once its server is closed, and a post to a dead agent with `stream_error`
   * (its stdin is a broken pipe); or the stream already said `_adapter/agent_exited`. A live runtime
   * refusing a live agent's message says anything else.
   */
  agentGone: boolean;
}

const AGENT_GONE_PROBLEMS = new Set(["urn:sandbox-agent:error:agent_process_exited", "urn:sandbox-agent:error:stream_error"]);

interface Frame {
  id: number | null;
  raw: string;
  data: string;
}

const RECOVERY_TIMEOUT_MS = 3_000;
const ACP_PATH = /\/v1\/acp\/([^/?]+)/;
const AGENT_EXITED = '"_adapter/agent_exited"';

/** `pace: false` hands each frame to the SDK as it is read, as before issue 18 (bench/burst.ts compares). */
export function createObservedFetch(observer: AcpStreamObserver = {}, baseFetch: typeof fetch = runtimeFetch, { pace = true }: { pace?: boolean } = {}) {
  const servers = new Map<string, { agent: string | null; lastId: number | null; streamed: boolean; agentExited: boolean }>();
  // The agent's requests still waiting for the client's answer, per ACP server of this connection: a
  // JSON-RPC id is only unique on one server (every agent process counts from 0), so never beyond it.
  const openRequests = new Map<string, Map<string, string>>();
  const stats = { recovered: 0, lost: 0 };

  const observedFetch: typeof fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const match = ACP_PATH.exec(url);
    const serverId = match?.[1] ? decodeURIComponent(match[1]) : null;
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (serverId && method === "POST" && typeof init?.body === "string") reportAnswer(serverId, init.body);
    let response: Response;
    try {
      response = await baseFetch(input, init);
    } catch (error) {
      // An abort is the SDK's own doing (dispose, close); anything else leaves the connection dead.
      if (serverId && method !== "DELETE" && !init?.signal?.aborted) observer.onConnectionLost?.(serverId, `${method} failed: ${errorText(error)}`);
      throw error;
    }
    if (!serverId) return response;
    const state = servers.get(serverId) ?? { agent: null, lastId: null, streamed: false, agentExited: false };
    // Only the SDK's bootstrap request names the agent, and it need not be the first one seen.
    state.agent ??= new URL(url).searchParams.get("agent");
    servers.set(serverId, state);
    if (method === "POST" && !response.ok) {
      // The refusal's body is read before either callback, so the two are told in one go: the loss
      // check first (whoever hears of the refusal can wait for the connection to be judged), and no
      // judgement can finish between them.
      const problem = parseJson(
        await response
          .clone()
          .text()
          .catch(() => ""),
      ) as { type?: unknown } | null;
      observer.onConnectionLost?.(serverId, `the runtime refused a message (HTTP ${response.status})`);
      if (typeof init?.body === "string" && observer.onRefused) {
        const agentGone = state.agentExited || (typeof problem?.type === "string" && AGENT_GONE_PROBLEMS.has(problem.type));
        observer.onRefused(parseJson(init.body), { status: response.status, agentGone });
      }
    }
    // The SDK's first read can reach the runtime before the post that creates the server (404), and
    // the SDK reads again after its next post; once the server has streamed, a refusal means it is gone.
    if (method === "GET" && !response.ok && state.streamed)
      observer.onConnectionLost?.(serverId, `the runtime refused the event stream (HTTP ${response.status})`);
    const isStream = method === "GET" && (response.headers.get("content-type") ?? "").includes("text/event-stream");
    if (!isStream || !response.body) return response;
    state.streamed = true;
    const body = gapFreeStream(response.body, state, (afterId) => replayAfter(baseFetch, url, init, afterId), pace ? frameTurns() : new FrameTurns(Infinity), {
      onFrame: (data) => noteRequest(serverId, data),
      onRecovered: (count) => {
        stats.recovered += count;
        observer.onRecovered?.(serverId, count);
      },
      onGap: (missing, nextMessage) => {
        stats.lost += missing;
        observer.onGap?.({ serverId, missing, nextMessage });
      },
      onAgentExited: (message) => {
        state.agentExited = true;
        const params = (message as { params?: { code?: unknown } } | null)?.params;
        observer.onConnectionLost?.(serverId, `the agent process exited${typeof params?.code === "number" ? ` with code ${params.code}` : ""}`);
      },
      onBroken: (error) => {
        if (!init?.signal?.aborted) observer.onConnectionLost?.(serverId, `the event stream broke: ${errorText(error)}`);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  function noteRequest(serverId: string, data: string) {
    // Cheap test first: notifications (the bulk of a stream) carry no top-level id.
    if (!data.includes('"id"') || !data.includes('"method"')) return;
    const message = parseJson(data) as { id?: unknown; method?: unknown; params?: { sessionId?: unknown } } | null;
    const key = rpcIdKey(message?.id);
    const agentSessionId = message?.params?.sessionId;
    if (key === null || typeof message?.method !== "string" || typeof agentSessionId !== "string") return;
    let open = openRequests.get(serverId);
    if (!open) openRequests.set(serverId, (open = new Map()));
    open.set(key, agentSessionId);
  }

  function reportAnswer(serverId: string, body: string) {
    const open = openRequests.get(serverId);
    if (!open || open.size === 0) return;
    const message = parseJson(body) as { id?: unknown; method?: unknown; result?: unknown; error?: unknown } | null;
    const key = rpcIdKey(message?.id);
    if (!message || key === null || message.method !== undefined || (message.result === undefined && message.error === undefined)) return;
    const agentSessionId = open.get(key);
    if (agentSessionId === undefined) return;
    open.delete(key);
    observer.onClientAnswer?.({ serverId, agentSessionId, message });
  }

  return {
    fetch: observedFetch,
    serverIds: () => [...servers.keys()],
    serverIdForAgent: (agent: string) => [...servers].find(([, state]) => state.agent === agent)?.[0] ?? null,
    stats: () => ({ ...stats }),
  };
}

async function replayAfter(baseFetch: typeof fetch, url: string, init: RequestInit | undefined, afterId: number): Promise<ReadableStream<Uint8Array> | null> {
  const headers = new Headers(init?.headers);
  headers.set("Last-Event-ID", String(afterId));
  headers.set("Accept", "text/event-stream");
  const controller = new AbortController();
  setTimeout(() => controller.abort(), RECOVERY_TIMEOUT_MS).unref();
  try {
    const response = await baseFetch(url, { method: "GET", headers, signal: controller.signal });
    return response.ok && response.body ? response.body : null;
  } catch {
    return null;
  }
}

// Frames go to the SDK a bounded number per turn of the event loop, for all the event streams of the
// process together, each stream with frames waiting getting an even share of every turn. The SDK
// works through what it is handed (and queues it for the writer) in one run of promise callbacks,
// while Node reads no socket and answers no request: a burst handed over whole kept the runtime's
// socket unread long enough to overflow its channel; and five bursting streams handed 64 frames each
// per turn made every turn of a saturated portal ~30 ms long, which another team's prompt waited out
// at each of its steps (its request, its claim, the runtime's answer, its reply, the read):
// bench/team-fairness.ts. A stream's frames wait at most one turn, however many other streams burst.
const FRAMES_PER_TURN = 32;

/** A stream's frames read but not yet handed to the SDK. */
interface Outbox {
  waiting(): number;
  hand(count: number): void;
}

class FrameTurns {
  private readonly outboxes = new Set<Outbox>();
  private scheduled = false;

  constructor(private readonly framesPerTurn: number) {}

  /** The outbox has frames: it gets its share from the next turn on, until it is empty. */
  waiting(outbox: Outbox) {
    this.outboxes.add(outbox);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn() {
    this.scheduled = false;
    const share = Math.max(1, Math.ceil(this.framesPerTurn / this.outboxes.size));
    for (const outbox of [...this.outboxes]) {
      try {
        outbox.hand(share);
      } catch {
        // One stream's failure is its own: it leaves the turns, the others get theirs.
        this.outboxes.delete(outbox);
        continue;
      }
      if (outbox.waiting() === 0) this.outboxes.delete(outbox);
    }
    if (this.outboxes.size > 0) {
      this.scheduled = true;
      setImmediate(() => this.turn());
    }
  }
}

const turnsSlot = globalThis as unknown as { portalFrameTurns?: FrameTurns };

function frameTurns(): FrameTurns {
  turnsSlot.portalFrameTurns ??= new FrameTurns(FRAMES_PER_TURN);
  return turnsSlot.portalFrameTurns;
}

function gapFreeStream(
  source: ReadableStream<Uint8Array>,
  state: { lastId: number | null },
  openReplay: (afterId: number) => Promise<ReadableStream<Uint8Array> | null>,
  turns: FrameTurns,
  report: {
    onFrame(data: string): void;
    onRecovered(count: number): void;
    onGap(missing: number, nextMessage: unknown): void;
    onAgentExited(message: unknown): void;
    onBroken(error: unknown): void;
  },
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const reader = source.getReader();
  let held: Frame[] = [];
  let recovering = false;
  // Cancelled by the SDK, or errored: nothing more is handed to it (an errored stream throws on enqueue).
  let over = false;

  // Frames read and not yet handed over are outbox[handed..]: a backlog can hold a whole burst, and
  // taking each turn's share off the front of the array (splice) copied all the rest every turn.
  const outbox: string[] = [];
  let handed = 0;
  let closeWhenFlushed = false;
  const unhanded = () => outbox.length - handed;

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const waiting: Outbox = {
        waiting: () => (over ? 0 : unhanded()),
        hand(count) {
          if (over) return;
          const end = Math.min(outbox.length, handed + count);
          if (end > handed) controller.enqueue(encoder.encode(outbox.slice(handed, end).join("")));
          handed = end;
          if (handed === outbox.length) {
            outbox.length = 0;
            handed = 0;
            if (closeWhenFlushed) controller.close();
          } else if (handed >= 1_024 && handed * 2 >= outbox.length) {
            // What was handed goes once it is at least half the array: each frame is moved at most once more.
            outbox.splice(0, handed);
            handed = 0;
          }
        },
      };

      const forward = (frame: Frame) => {
        if (over) return;
        if (frame.id !== null) {
          if (state.lastId !== null && frame.id <= state.lastId) return; // already delivered
          state.lastId = frame.id;
        }
        report.onFrame(frame.data);
        outbox.push(`${frame.raw}\n\n`);
        turns.waiting(waiting);
        // The runtime says so when the agent process dies, and then never answers its pending requests.
        if (frame.data.includes(AGENT_EXITED)) report.onAgentExited(parseJson(frame.data));
      };

      const recover = async (gapAfter: number, firstHeld: Frame) => {
        recovering = true;
        const wanted = firstHeld.id! - gapAfter - 1;
        const replayed = await readReplay(openReplay, gapAfter, firstHeld.id!);
        for (const frame of replayed) forward(frame);
        if (replayed.length > 0) report.onRecovered(replayed.length);
        const missing = wanted - replayed.length;
        if (missing > 0) report.onGap(missing, parseJson(firstHeld.data));
        // What the replay could not give back is accounted for; carry on from the revealing frame.
        state.lastId = Math.max(state.lastId ?? 0, firstHeld.id! - 1);
        const queue = held;
        held = [];
        recovering = false;
        for (const frame of queue) accept(frame);
      };

      const accept = (frame: Frame) => {
        if (recovering) {
          held.push(frame);
          return;
        }
        const last = state.lastId;
        if (frame.id !== null && last !== null && frame.id > last + 1) {
          held.push(frame);
          void recover(last, frame);
          return;
        }
        forward(frame);
      };

      void (async () => {
        const parse = frameParser();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            for (const frame of parse(value)) accept(frame);
          }
          while (recovering) await new Promise((resolve) => setTimeout(resolve, 10));
          if (!over) {
            if (unhanded() > 0) closeWhenFlushed = true;
            else controller.close();
          }
        } catch (error) {
          // The SDK cancelled its read (disposed after a runtime loss): nothing left to tell it.
          if (!over) {
            over = true;
            outbox.length = 0;
            handed = 0;
            report.onBroken(error);
            controller.error(error);
          }
        }
      })();
    },
    cancel(reason) {
      over = true;
      return reader.cancel(reason);
    },
  });
}

/** Reads frames with ids in (afterId, beforeId) from a Last-Event-ID replay. */
async function readReplay(openReplay: (afterId: number) => Promise<ReadableStream<Uint8Array> | null>, afterId: number, beforeId: number): Promise<Frame[]> {
  const stream = await openReplay(afterId);
  if (!stream) return [];
  const reader = stream.getReader();
  const parse = frameParser();
  const frames: Frame[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const frame of parse(value)) {
        if (frame.id === null) continue;
        if (frame.id >= beforeId) return frames;
        if (frame.id > afterId) frames.push(frame);
      }
    }
  } catch {
    // Timed out or dropped: keep what was replayed.
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return frames;
}

export function frameParser() {
  const decoder = new TextDecoder();
  let buffer = "";
  return (chunk: Uint8Array): Frame[] => {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, "\n");
    const frames: Frame[] = [];
    let separator = buffer.indexOf("\n\n");
    while (separator !== -1) {
      const raw = buffer.slice(0, separator);
      buffer = buffer.slice(separator + 2);
      separator = buffer.indexOf("\n\n");
      if (!raw.trim()) continue;
      let id: number | null = null;
      const data: string[] = [];
      for (const line of raw.split("\n")) {
        if (line.startsWith("id:")) {
          const parsed = Number(line.slice(3).trim());
          id = Number.isFinite(parsed) ? parsed : null;
        } else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      frames.push({ id, raw, data: data.join("\n") });
    }
    return frames;
  };
}

function errorText(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

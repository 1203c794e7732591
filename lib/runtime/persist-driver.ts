import "server-only";
import type { ListEventsRequest, ListPage, ListPageRequest, SessionEvent, SessionPersistDriver, SessionRecord } from "sandbox-agent";
import { db } from "@/lib/db/client";
import { classifyRuntimeMessage } from "@/lib/events/classify";
import { listEventsAfter } from "@/lib/events/queries";
import { AnswerOrder, rpcIdKey } from "@/lib/runtime/answer-order";
import { eventWriter } from "@/lib/events/writer";

// The SDK's persistence seam, backed by PostgreSQL. The SDK awaits insertEvent (and a getSession)
// for every event before the next one, so both answer from memory: events go to the write-behind
// queue (lib/events/writer.ts), records are cached. The SDK's own eventIndex is not used: the
// writer assigns the dense index in the same transaction as the insert, which stays correct across
// SDK instances, portal processes and portal events.

export class PrismaPersistDriver implements SessionPersistDriver {
  private records = new Map<string, SessionRecord>();
  private lastEventAt = new Map<string, number>();
  private answers = new AnswerOrder<unknown>();

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const cached = this.records.get(id);
    if (cached) return cached;
    const row = await db().session.findUnique({ where: { id }, select: { runtimeRecord: true } });
    const record = (row?.runtimeRecord ?? undefined) as SessionRecord | undefined;
    if (record) this.records.set(id, record);
    return record;
  }

  async listSessions(request: ListPageRequest = {}): Promise<ListPage<SessionRecord>> {
    const limit = Math.min(request.limit ?? 100, 500);
    const rows = await db().session.findMany({
      where: { runtimeRecord: { not: undefined }, ...(request.cursor ? { id: { gt: request.cursor } } : {}) },
      orderBy: { id: "asc" },
      take: limit,
      select: { id: true, runtimeRecord: true },
    });
    const items = rows.map((row) => row.runtimeRecord as unknown as SessionRecord).filter(Boolean);
    return { items, nextCursor: rows.length === limit ? rows.at(-1)?.id : undefined };
  }

  async updateSession(record: SessionRecord): Promise<void> {
    this.records.set(record.id, record);
    await db().session.updateMany({
      where: { id: record.id },
      data: { runtimeRecord: JSON.parse(JSON.stringify(record)), runtimeSessionId: record.agentSessionId },
    });
  }

  async listEvents(request: ListEventsRequest): Promise<ListPage<SessionEvent>> {
    const limit = Math.min(request.limit ?? 100, 1_000);
    const after = request.cursor ? Number(request.cursor) : 0;
    const events = await listEventsAfter({ sessionId: request.sessionId, after, limit });
    return {
      items: events.map((event) => ({
        id: `${request.sessionId}:${event.index}`,
        eventIndex: event.index,
        sessionId: request.sessionId,
        createdAt: Date.parse(event.createdAt),
        connectionId: "",
        sender: event.sender === "client" ? "client" : "agent",
        payload: event.payload as SessionEvent["payload"],
      })),
      nextCursor: events.length === limit ? String(events.at(-1)!.index) : undefined,
    };
  }

  async insertEvent(sessionId: string, event: SessionEvent): Promise<void> {
    this.lastEventAt.set(sessionId, Date.now());
    this.store(sessionId, event.sender, event.payload, validDate(event.createdAt));
    const requestId = event.sender === "agent" ? agentRequestId(event.payload) : null;
    if (requestId === null) return;
    const early = this.answers.requestStored(sessionId, requestId);
    if (early !== undefined) this.store(sessionId, "client", early, new Date());
  }

  /**
   * The client's JSON-RPC answer to one of the agent's requests in this session, stored as the `client`
   * event the SDK itself does not write: right after its request, even when the answer came first.
   */
  insertClientAnswer(sessionId: string, message: unknown) {
    const requestId = rpcIdKey((message as { id?: unknown } | null)?.id);
    if (requestId !== null && this.answers.answerSent(sessionId, requestId, message)) this.store(sessionId, "client", message, new Date());
  }

  /** The portal session whose runtime session is this agent session, among these (one connection's). */
  sessionIdForAgentSession(agentSessionId: string, among: string[]): string | null {
    return among.find((sessionId) => this.records.get(sessionId)?.agentSessionId === agentSessionId) ?? null;
  }

  private store(sessionId: string, sender: "client" | "agent", payload: unknown, createdAt: Date) {
    eventWriter().enqueue({ sessionId, sender, payload, createdAt, ...classifyRuntimeMessage(sender, payload) });
  }

  /** The portal session an ACP message (its `params.sessionId`, the agent's session id) belongs to, from the records in memory. */
  sessionIdForMessage(message: unknown): string | null {
    const agentSessionId = (message as { params?: { sessionId?: unknown } } | null)?.params?.sessionId;
    if (typeof agentSessionId !== "string") return null;
    for (const record of this.records.values()) if (record.agentSessionId === agentSessionId) return record.id;
    return null;
  }

  forget(sessionId: string) {
    this.records.delete(sessionId);
    this.answers.forget(sessionId);
  }

  /**
   * Waits until the runtime has been quiet for this session. A heuristic because no signal exists in
   * runtime 0.4.2: it answers requests (session/prompt, set_mode, …) in the POST's body, while the
   * updates the agent wrote before answering go out on the SSE stream, another connection; the
   * answer names no stream position (SSE id), so nothing says when the last of them has arrived.
   */
  async settled(sessionId: string, quietMs = 150, maxMs = 10_000) {
    const started = Date.now();
    while (Date.now() - started < maxMs) {
      const last = this.lastEventAt.get(sessionId) ?? 0;
      const quietFor = Date.now() - last;
      if (quietFor >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, quietMs - quietFor));
    }
  }
}

/** The JSON-RPC id of a request the agent sent (a message with a method and an id), as a key. */
function agentRequestId(payload: unknown): string | null {
  const message = payload as { id?: unknown; method?: unknown } | null;
  return typeof message?.method === "string" ? rpcIdKey(message.id) : null;
}

/** The SDK's timestamp, or now when it is missing or not a time (an invalid Date cannot be stored). */
function validDate(value: unknown): Date {
  const date = new Date(typeof value === "number" || typeof value === "string" ? value : Number.NaN);
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

const globalDriver = globalThis as unknown as { portalPersistDriver?: PrismaPersistDriver };

export function persistDriver(): PrismaPersistDriver {
  globalDriver.portalPersistDriver ??= new PrismaPersistDriver();
  return globalDriver.portalPersistDriver;
}

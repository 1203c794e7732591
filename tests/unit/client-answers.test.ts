import { describe, expect, it } from "vitest";
import { AnswerOrder } from "@/lib/runtime/answer-order";
import { createObservedFetch, type ClientAnswer } from "@/lib/runtime/observed-fetch";

// The client's answers to agent requests: which session each belongs to (by ACP server and the
// request's agent session id, never by JSON-RPC id alone) and where it goes in the history.

describe("AnswerOrder", () => {
  it("stores an answer right away when its request is stored, and holds one that came first", () => {
    const order = new AnswerOrder<string>();
    expect(order.requestStored("s1", '"demo-1"')).toBeUndefined();
    expect(order.answerSent("s1", '"demo-1"', "answer")).toBe(true);
    expect(order.answerSent("s2", '"demo-1"', "early")).toBe(false);
    expect(order.requestStored("s2", '"demo-1"')).toBe("early");
    // Answered once: a second answer to the same id waits for a request that is not there.
    expect(order.answerSent("s1", '"demo-1"', "again")).toBe(false);
    order.forget("s1");
    expect(order.requestStored("s1", '"demo-1"')).toBeUndefined();
  });
});

describe("the observed fetch's client answers", () => {
  const request = (agentSessionId: string) =>
    JSON.stringify({ jsonrpc: "2.0", id: "demo-1", method: "session/request_permission", params: { sessionId: agentSessionId } });
  const answer = (optionId: string) => JSON.stringify({ jsonrpc: "2.0", id: "demo-1", result: { outcome: { outcome: "selected", optionId } } });

  /** Two ACP servers of one runtime whose agents both sent request "demo-1". */
  const runtime: typeof fetch = async (input, init) => {
    const url = String(input);
    if ((init?.method ?? "GET") === "POST") return new Response(null, { status: 202 });
    const agentSessionId = url.includes("/s1") ? "agent-A" : "agent-B";
    const frames = `id: 1\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "session/update", params: { sessionId: agentSessionId, update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: '"id" and "method"' } } } })}\n\nid: 2\ndata: ${request(agentSessionId)}\n\n`;
    return new Response(frames, { headers: { "content-type": "text/event-stream" } });
  };

  it("reports each answer with the agent session of the request on the same server, once", async () => {
    const answers: ClientAnswer[] = [];
    const observed = createObservedFetch({ onClientAnswer: (reported) => answers.push(reported) }, runtime);
    for (const server of ["s1", "s2"]) await (await observed.fetch(`http://runtime/v1/acp/${server}`)).text();

    await observed.fetch("http://runtime/v1/acp/s2", { method: "POST", body: answer("reject-once") });
    await observed.fetch("http://runtime/v1/acp/s1", { method: "POST", body: answer("allow-once") });
    // Already answered, a request of the client's own, and a server that asked nothing: not answers.
    await observed.fetch("http://runtime/v1/acp/s1", { method: "POST", body: answer("allow-once") });
    await observed.fetch("http://runtime/v1/acp/s1", {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: "demo-1", method: "session/prompt", params: {} }),
    });
    await observed.fetch("http://runtime/v1/acp/s3", { method: "POST", body: answer("allow-once") });

    expect(answers.map(({ serverId, agentSessionId, message }) => ({ serverId, agentSessionId, optionId: (message as any).result.outcome.optionId }))).toEqual([
      { serverId: "s2", agentSessionId: "agent-B", optionId: "reject-once" },
      { serverId: "s1", agentSessionId: "agent-A", optionId: "allow-once" },
    ]);
  });
});

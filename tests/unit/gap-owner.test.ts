import { describe, expect, it } from "vitest";
import { gapOwner } from "@/lib/sessions/gap-owner";

// Agent session ids repeat across runtimes (each sandbox's agent numbers its own): "agent-1" is a
// session on this connection and, on another runtime, another team's.
const records = new Map([
  ["ours", "agent-1"],
  ["ours-too", "agent-2"],
  ["other-team", "agent-1"],
]);
const lookup = (agentSessionId: string, among: string[]) => among.find((id) => records.get(id) === agentSessionId) ?? null;
const update = (agentSessionId: string) => ({ jsonrpc: "2.0", method: "session/update", params: { sessionId: agentSessionId, update: {} } });

describe("a gap goes into the session it was lost from, or none", () => {
  it("the session the revealing frame names, looked up among this connection's sessions only", () => {
    expect(gapOwner(update("agent-1"), ["ours", "ours-too"], lookup)).toEqual({ sessionId: "ours" });
    expect(gapOwner(update("agent-1"), ["other-team"], lookup)).toEqual({ sessionId: "other-team" });
  });

  it("never a session of another connection, even one with a running turn", () => {
    const owner = gapOwner(update("agent-9"), ["ours", "ours-too"], lookup);
    expect(owner.sessionId).toBeNull();
    expect(owner).toMatchObject({ reason: expect.stringContaining("agent-9") });
  });

  it("a frame that names no session: the connection's only session, else none", () => {
    const response = { jsonrpc: "2.0", id: 7, result: {} };
    expect(gapOwner(response, ["ours"], lookup)).toEqual({ sessionId: "ours" });
    expect(gapOwner(response, ["ours", "ours-too"], lookup).sessionId).toBeNull();
    expect(gapOwner(null, [], lookup).sessionId).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { descendants } from "@/lib/process-utils";
import { sessionRuntime, waitFor, waitForIdle, openPortal, type Api, type PortalFixture } from "./harness";

// A runtime that stops answering its health checks but still takes their connections is busy (its
// sandbox starved of CPU, the host overloaded) or hung: it keeps its turns for
// PORTAL_RUNTIME_UNANSWERED_MS, and only then is restarted. Its processes are stopped (SIGSTOP) to
// make it so, as the scheduler would leave them. Real PostgreSQL, real runtime, demo agent.

const UNANSWERED_MS = 8_000;

let fixture: PortalFixture;
let api: Api;
let teamId: string;

beforeAll(async () => {
  fixture = await openPortal({ env: { PORTAL_RUNTIME_UNANSWERED_MS: String(UNANSWERED_MS) } });
  ({ api, teamId } = fixture);
});
afterAll(() => fixture?.close());

/** The runtime's process and every process under it (its jail, its agents), stopped or continued. */
function signalRuntimeTree(pid: number, signal: "SIGSTOP" | "SIGCONT") {
  for (const each of [pid, ...descendants(pid).map((process) => process.pid)]) {
    try {
      process.kill(each, signal);
    } catch {
      // exited meanwhile
    }
  }
}

async function sleepingTurn(ms: number) {
  const { body } = await api.request("POST", "/api/sessions", { teamId, agent: "demo" });
  const sessionId = body.id as string;
  await api.post(`/api/sessions/${sessionId}/prompt`, { text: "hello" });
  await waitForIdle(api, sessionId);
  await api.post(`/api/sessions/${sessionId}/prompt`, { text: `/sleep ${ms}` });
  await waitFor(
    () => api.get(`/api/sessions/${sessionId}`),
    (session) => session.status === "running",
  );
  return { sessionId, runtime: await sessionRuntime(api, sessionId) };
}

describe("a runtime that does not answer its health checks", () => {
  it("keeps its turn while it is only slow: stopped past the three checks that used to restart it, then continued", async () => {
    const { sessionId, runtime } = await sleepingTurn(6_000);
    signalRuntimeTree(runtime.pid, "SIGSTOP");
    try {
      // Silent for 5 s: three unanswered checks, which restarted it (ending the turn) before.
      const silent = await waitFor(
        () => sessionRuntime(api, sessionId),
        (info) => typeof info.unansweredSince === "string" && Date.now() - Date.parse(info.unansweredSince) > 5_000,
        20_000,
      );
      expect(silent.pid).toBe(runtime.pid);
      expect(silent.restarts).toBe(runtime.restarts);
    } finally {
      signalRuntimeTree(runtime.pid, "SIGCONT");
    }
    const session = await waitForIdle(api, sessionId, 30_000);
    expect(session.lastStopReason).toBe("end_turn");
    const after = await waitFor(
      () => sessionRuntime(api, sessionId),
      (info) => info.unansweredSince === null,
    );
    expect(after.pid).toBe(runtime.pid);
    expect(after.restarts).toBe(runtime.restarts);
  });

  it("is restarted once it has been silent for PORTAL_RUNTIME_UNANSWERED_MS, its turn ending interrupted", async () => {
    const { sessionId, runtime } = await sleepingTurn(120_000);
    const stoppedAt = Date.now();
    signalRuntimeTree(runtime.pid, "SIGSTOP");
    try {
      const session = await waitFor(
        () => api.get(`/api/sessions/${sessionId}`),
        (each) => each.status === "restorable",
        60_000,
      );
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(UNANSWERED_MS);
      expect(session.lastStopReason).toBe("interrupted");
    } finally {
      signalRuntimeTree(runtime.pid, "SIGCONT");
    }
    const restarted = await waitFor(
      () => sessionRuntime(api, sessionId),
      (info) => info.status === "ok" && info.pid !== runtime.pid,
      30_000,
    );
    expect(restarted.restarts).toBe(runtime.restarts + 1);
  });
});

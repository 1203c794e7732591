import { describe, expect, it } from "vitest";
import { createObservedFetch } from "@/lib/runtime/observed-fetch";

// The observed fetch hands the SDK its ACP frames a bounded number per turn of the event loop, for
// all streams together: a quiet stream's frame is not held behind other streams' bursts, and no turn
// is long enough to keep the portal from everything else. Counted in turns, not timed.

const frame = (id: number, text: string) =>
  `id: ${id}\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "session/update", params: { sessionId: "agent", update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text } } } })}\n\n`;

describe("the observed fetch's turns", () => {
  it("gives every stream with frames a share of each turn, about 32 frames a turn in all", async () => {
    const BURST = 2_000;
    const bursting = ["a", "b", "c", "d", "e"];
    const runtime: typeof fetch = async (input) => {
      const server = /\/v1\/acp\/([^/?]+)/.exec(String(input))![1]!;
      const count = server === "quiet" ? 1 : BURST;
      const body = Array.from({ length: count }, (_, i) => frame(i + 1, `${server}${i}`)).join("");
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    };
    const observed = createObservedFetch({}, runtime);

    // A turn counter: one tick per turn of the event loop, beside the observed fetch's own.
    let turn = 0;
    let counting = true;
    const tick = () => {
      turn += 1;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);

    const handed: Array<{ server: string; text: string; turn: number }> = [];
    const read = async (server: string) => {
      const response = await observed.fetch(`http://runtime/v1/acp/${server}`);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        for (const match of decoder.decode(value, { stream: true }).matchAll(/"text":"([^"]*)"/g)) handed.push({ server, text: match[1]!, turn });
      }
    };
    await Promise.all([...bursting, "quiet"].map(read));
    counting = false;

    const perTurn = new Map<number, number>();
    for (const { turn } of handed) perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
    // 32 a turn shared by the streams with frames waiting, each share rounded up (six streams: 6 each).
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(6 * Math.ceil(32 / 6));
    // The quiet stream's frame goes in the first turn that hands anything: it waits behind no burst.
    const quiet = handed.find((each) => each.server === "quiet")!;
    expect(quiet.turn).toBe(handed[0]!.turn);
    // Every stream's frames arrive whole and in order.
    for (const server of bursting) {
      expect(handed.filter((each) => each.server === server).map((each) => each.text)).toEqual(Array.from({ length: BURST }, (_, i) => `${server}${i}`));
    }
  });

  it("hands nothing more to a stream that broke while its replay was coming, and the other streams go on whole", async () => {
    let releaseReplay!: () => void;
    const replayAsked = new Promise<void>((resolve) => (releaseReplay = resolve));
    let replayCanAnswer!: () => void;
    const replayGate = new Promise<void>((resolve) => (replayCanAnswer = resolve));
    const runtime: typeof fetch = async (input, init) => {
      const server = /\/v1\/acp\/([^/?]+)/.exec(String(input))![1]!;
      if (server === "steady")
        return new Response(Array.from({ length: 500 }, (_, i) => frame(i + 1, `steady${i}`)).join(""), { headers: { "content-type": "text/event-stream" } });
      if (new Headers(init?.headers).get("Last-Event-ID")) {
        // The replay of the gap: it answers only after the stream it serves has broken.
        releaseReplay();
        await replayGate;
        return new Response(frame(2, "replayed") + frame(3, "replayed"), { headers: { "content-type": "text/event-stream" } });
      }
      // Frame 1, then frame 4 (a gap: the replay is asked for 2 and 3), then the connection breaks.
      let step = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          step += 1;
          if (step === 1) controller.enqueue(new TextEncoder().encode(frame(1, "first") + frame(4, "after-gap")));
          else {
            await replayAsked;
            controller.error(new Error("connection reset"));
          }
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    };
    const broken: string[] = [];
    const observed = createObservedFetch({ onConnectionLost: (serverId, why) => broken.push(`${serverId}: ${why}`) }, runtime);

    const readAll = async (server: string) => {
      const response = await observed.fetch(`http://runtime/v1/acp/${server}`);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      const texts: string[] = [];
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return { texts, error: null };
          for (const match of decoder.decode(value, { stream: true }).matchAll(/"text":"([^"]*)"/g)) texts.push(match[1]!);
        }
      } catch (error) {
        return { texts, error: String(error) };
      }
    };
    const breaking = readAll("breaking");
    await replayAsked;
    const brokenRead = await breaking;
    expect(brokenRead.error).toMatch(/connection reset/);
    expect(broken).toEqual([expect.stringMatching(/^breaking: the event stream broke/)]);
    // The replay answers now, after the break: its frames must go nowhere (an errored stream throws on
    // enqueue, which would end the process from a turn), and a stream read beside is whole.
    replayCanAnswer();
    const steady = await readAll("steady");
    expect(steady.error).toBeNull();
    expect(steady.texts).toEqual(Array.from({ length: 500 }, (_, i) => `steady${i}`));
  });
});

import "server-only";
import { ownerOf } from "@/lib/cluster/takeover";
import { readTerminal } from "@/lib/cluster/commands";
import type { SandboxRow } from "@/lib/sandboxes/sandboxes";
import { followTerminalOnOwner, type TerminalOutput } from "@/lib/sandboxes/terminal";
import { errorField, logger } from "@/lib/log";

const log = logger("terminal");

// A terminal's output as Server-Sent Events: `id: <seq>` per pty chunk (base64), so an EventSource
// that reconnects resumes after the last chunk it has (Last-Event-ID), and `event: end` once the
// terminal has ended. The owner of the sandbox follows the runtime's pty log directly; any other
// instance long-polls the owner through the command queue.

const encoder = new TextEncoder();
const PING_MS = 15_000;
const LONG_POLL_MS = 10_000;

export function terminalStream({
  sandbox,
  terminalId,
  after,
  signal,
}: {
  sandbox: SandboxRow;
  terminalId: string;
  after: number;
  signal: AbortSignal;
}): ReadableStream<Uint8Array> {
  const stop = new AbortController();
  signal.addEventListener("abort", () => stop.abort(), { once: true });
  let since = after;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      const output = ({ seq, data }: TerminalOutput) => {
        if (seq <= since) return;
        since = seq;
        send(`id: ${seq}\nevent: output\ndata: ${data}\n\n`);
      };
      send("retry: 1000\n\n");
      const ping = setInterval(() => send(": ping\n\n"), PING_MS);
      try {
        let ended = false;
        while (!ended && !stop.signal.aborted) {
          if ((await ownerOf(sandbox.id)).mine) {
            ended = await followTerminalOnOwner({ sandbox, terminalId, since, onOutput: output, signal: stop.signal });
          } else {
            const read = await readTerminal({ sandbox, terminalId, since, waitMs: LONG_POLL_MS });
            read.output.forEach(output);
            ended = read.ended;
          }
        }
        if (ended) send("event: end\ndata: {}\n\n");
      } catch (error) {
        log.error({ terminalId, err: errorField(error) }, "a terminal stream failed");
      } finally {
        clearInterval(ping);
        if (!stop.signal.aborted) controller.close();
      }
    },
    cancel() {
      stop.abort();
    },
  });
}
